package io.limitguard.gateway.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds route and rule properties for tests, the way a user writes them in YAML. */
public final class Rules {

    private final Map<String, Object> properties = new LinkedHashMap<>();
    private int routes;
    private int rules;

    public Rules route(String id, String upstream, String path) {
        String prefix = "spring.cloud.gateway.server.webflux.routes[" + routes++ + "].";
        properties.put(prefix + "id", id);
        properties.put(prefix + "uri", upstream);
        properties.put(prefix + "predicates[0]", "Path=" + path);
        return this;
    }

    /** A rule with token-bucket limits given as name, capacity, refill-per-second triples. */
    public Rules rule(String id, String route, String key, String onFailure, Object... limits) {
        String prefix = "limitguard.rules[" + rules++ + "].";
        properties.put(prefix + "id", id);
        properties.put(prefix + "routes[0]", route);
        properties.put(prefix + "key", key);
        properties.put(prefix + "on-failure", onFailure);
        for (int i = 0; i * 3 < limits.length; i++) {
            String limit = prefix + "limits[" + i + "].";
            properties.put(limit + "name", limits[i * 3]);
            properties.put(limit + "algorithm", "token-bucket");
            properties.put(limit + "capacity", limits[i * 3 + 1].toString());
            properties.put(limit + "refill-per-second", limits[i * 3 + 2].toString());
        }
        return this;
    }

    /**
     * A rule whose limits are written as a user writes them: one map per limit with its name,
     * algorithm and parameters ({@code name=smooth, algorithm=gcra, rate-per-second=5, burst=10}).
     */
    @SafeVarargs
    public final Rules ruleOf(String id, String route, String key, String onFailure, Map<String, Object>... limits) {
        String prefix = "limitguard.rules[" + rules++ + "].";
        properties.put(prefix + "id", id);
        properties.put(prefix + "routes[0]", route);
        properties.put(prefix + "key", key);
        properties.put(prefix + "on-failure", onFailure);
        for (int i = 0; i < limits.length; i++) {
            int at = i;
            limits[i].forEach((name, value) -> properties.put(prefix + "limits[" + at + "]." + name, value.toString()));
        }
        return this;
    }

    /** Sets a property of the rule added last ({@code mode}, {@code cost}, {@code cost-header}...). */
    public Rules ruleProperty(String name, Object value) {
        properties.put("limitguard.rules[" + (rules - 1) + "]." + name, value.toString());
        return this;
    }

    /**
     * Redis at {@code uri}, with time limits no loaded 2-core CI machine reaches (10 s per decision, 20 s for
     * Lettuce's backstop): a test of limits must not see its rule's failure mode because one script call took
     * longer than the production default of 50 ms. Tests of the time limit itself set their own.
     */
    public Rules redis(String uri) {
        return set("limitguard.redis.uri", uri)
                .set("limitguard.redis.timeout", "10s")
                .set("limitguard.redis.command-timeout", "20s");
    }

    public Rules set(String key, Object value) {
        properties.put(key, value.toString());
        return this;
    }

    public Map<String, Object> properties() {
        return new LinkedHashMap<>(properties);
    }
}
