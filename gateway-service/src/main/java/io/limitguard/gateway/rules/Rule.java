package io.limitguard.gateway.rules;

import io.limitguard.gateway.config.RuleProperties.FailureMode;
import io.limitguard.gateway.config.RuleProperties.Mode;
import io.limitguard.gateway.keys.KeyResolver;
import io.limitguard.gateway.limit.LimitSpec;
import java.util.List;
import java.util.Set;

/**
 * A validated rule, ready for the request path.
 *
 * @param routes     empty = every route
 * @param requests   which requests of those routes (paths, methods)
 * @param mode       enforce, or shadow: evaluated and reported, never blocking
 * @param costHeader header carrying the request's cost, or null for the fixed {@code cost}
 * @param maxCost    the highest cost the header may ask
 */
public record Rule(String id, Set<String> routes, RequestMatch requests, KeyResolver keyResolver,
        List<LimitSpec> limits, long cost, FailureMode onFailure, Mode mode, String costHeader, long maxCost) {

    public Rule {
        routes = Set.copyOf(routes);
        limits = List.copyOf(limits);
    }

    public boolean shadow() {
        return mode == Mode.SHADOW;
    }

    public boolean appliesTo(String routeId) {
        return routes.isEmpty() || routes.contains(routeId);
    }

    /**
     * The Redis key of one limit for one client key. The hash tag {@code {rule:key}} keeps all
     * limits of one rule and key in one Redis Cluster slot. The algorithm is part of the key because
     * each one keeps another kind of state (string, hash, sorted set): a limit given another algorithm
     * under the same name (admin API, config edit) starts afresh instead of meeting the old state.
     */
    public String redisKey(String clientKey, LimitSpec limit) {
        return "lg:{" + id + ":" + clientKey + "}:" + limit.name() + ":" + limit.algorithm();
    }
}
