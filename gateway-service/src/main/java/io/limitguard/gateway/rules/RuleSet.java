package io.limitguard.gateway.rules;

import io.limitguard.gateway.config.Cidr;
import io.limitguard.gateway.config.LimitGuardProperties;
import io.limitguard.gateway.config.LimitProperties;
import io.limitguard.gateway.config.RuleProperties;
import io.limitguard.gateway.keys.ClientAddressResolver;
import io.limitguard.gateway.keys.KeyResolver;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.limit.TokenBucketLimit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** All rules, with the applicable ones per route computed once per route id. */
public final class RuleSet {

    private final List<Rule> rules;
    private final Map<String, List<Rule>> byRoute = new ConcurrentHashMap<>();

    public RuleSet(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static RuleSet from(LimitGuardProperties properties) {
        ClientAddressResolver clientAddress = new ClientAddressResolver(
                properties.trustedProxies().stream().map(Cidr::parse).toList());
        return new RuleSet(properties.rules().stream().map(rule -> compile(rule, clientAddress)).toList());
    }

    public List<Rule> all() {
        return rules;
    }

    public List<Rule> forRoute(String routeId) {
        return byRoute.computeIfAbsent(routeId, id -> rules.stream().filter(rule -> rule.appliesTo(id)).toList());
    }

    private static Rule compile(RuleProperties rule, ClientAddressResolver clientAddress) {
        List<LimitSpec> limits = rule.limits().stream().map(RuleSet::limit).toList();
        return new Rule(rule.id(), new HashSet<>(rule.routes()), KeyResolver.of(rule.key(), clientAddress), limits,
                rule.cost(), rule.onFailure());
    }

    private static LimitSpec limit(LimitProperties limit) {
        // RuleProperties validated the algorithm and its parameters.
        return new TokenBucketLimit(limit.name(), limit.capacity(), limit.refillPerSecond());
    }
}
