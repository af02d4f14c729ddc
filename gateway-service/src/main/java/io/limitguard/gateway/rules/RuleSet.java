package io.limitguard.gateway.rules;

import io.limitguard.gateway.config.Cidr;
import io.limitguard.gateway.config.LimitGuardProperties;
import io.limitguard.gateway.config.LimitProperties;
import io.limitguard.gateway.config.RuleProperties;
import io.limitguard.gateway.keys.ClientAddressResolver;
import io.limitguard.gateway.keys.KeyResolver;
import io.limitguard.gateway.limit.ConcurrencyLimit;
import io.limitguard.gateway.limit.FixedWindowLimit;
import io.limitguard.gateway.limit.GcraLimit;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.limit.SlidingWindowLimit;
import io.limitguard.gateway.limit.TokenBucketLimit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * All rules, with the applicable ones per route computed once per route id. The rules can be
 * replaced at run time (admin API): a request sees either the old or the new set, never a mix.
 */
public final class RuleSet {

    /** The rules and their per-route index, swapped as one. */
    private record Snapshot(List<Rule> rules, Map<String, RouteRules> byRoute) {
    }

    /** A route's rules, and whether any of them looks at a request's method or path (then at its path). */
    private record RouteRules(List<Rule> rules, boolean looksAtRequests, boolean looksAtPaths) {

        static RouteRules of(List<Rule> rules) {
            return new RouteRules(rules, rules.stream().anyMatch(rule -> !rule.requests().matchesEverything()),
                    rules.stream().anyMatch(rule -> rule.requests().hasPaths()));
        }
    }

    private final ClientAddressResolver clientAddress;
    private volatile Snapshot snapshot;

    public RuleSet(List<Rule> rules) {
        this(rules, null);
    }

    private RuleSet(List<Rule> rules, ClientAddressResolver clientAddress) {
        this.clientAddress = clientAddress;
        this.snapshot = new Snapshot(List.copyOf(rules), new ConcurrentHashMap<>());
    }

    public static RuleSet from(LimitGuardProperties properties) {
        ClientAddressResolver clientAddress = new ClientAddressResolver(
                properties.trustedProxies().stream().map(Cidr::parse).toList(), properties.keys().ipv6PrefixLength());
        return new RuleSet(properties.rules().stream().map(rule -> compile(rule, clientAddress)).toList(),
                clientAddress);
    }

    public List<Rule> all() {
        return snapshot.rules();
    }

    private RouteRules forRoute(String routeId) {
        Snapshot current = snapshot;
        return current.byRoute().computeIfAbsent(routeId,
                id -> RouteRules.of(current.rules().stream().filter(rule -> rule.appliesTo(id)).toList()));
    }

    /**
     * The rules that apply to one request of route {@code routeId}: those of the route whose paths and methods
     * (if they have any) match it.
     *
     * @throws RefusedPathException when a rule of the route has paths and the request's path cannot be matched safely
     */
    public List<Rule> forRequest(String routeId, ServerHttpRequest request) {
        RouteRules route = forRoute(routeId);
        if (!route.looksAtRequests()) {
            return route.rules(); // the common case: no rule of the route looks at the request, nor do we
        }
        String method = request.getMethod().name();
        List<PathContainer> path = route.looksAtPaths() ? RequestMatch.readings(request.getPath()) : null;
        return route.rules().stream().filter(rule -> rule.requests().matches(method, path)).toList();
    }

    /** Replaces every rule by {@code rules} (validated configuration records). */
    public void replace(List<RuleProperties> rules) {
        List<Rule> compiled = rules.stream().map(rule -> compile(rule, clientAddress)).toList();
        snapshot = new Snapshot(compiled, new ConcurrentHashMap<>());
    }

    private static Rule compile(RuleProperties rule, ClientAddressResolver clientAddress) {
        List<LimitSpec> limits = rule.limits().stream().map(RuleSet::limit).toList();
        return new Rule(rule.id(), new HashSet<>(rule.routes()), RequestMatch.of(rule.paths(), rule.methods()),
                KeyResolver.of(rule.key(), clientAddress), limits,
                rule.cost(), rule.onFailure(), rule.mode(), rule.costHeader(),
                rule.maxCost() != null ? rule.maxCost() : rule.cost());
    }

    private static LimitSpec limit(LimitProperties limit) {
        // RuleProperties validated the algorithm and its parameters.
        return switch (limit.algorithm()) {
            case LimitProperties.GCRA -> new GcraLimit(limit.name(), limit.ratePerSecond(), limit.burst());
            case LimitProperties.FIXED_WINDOW -> new FixedWindowLimit(limit.name(), limit.limit(), limit.window());
            case LimitProperties.SLIDING_WINDOW -> new SlidingWindowLimit(limit.name(), limit.limit(), limit.window());
            case LimitProperties.CONCURRENCY -> new ConcurrencyLimit(limit.name(), limit.maxInFlight(),
                    limit.lease() != null ? limit.lease() : ConcurrencyLimit.DEFAULT_LEASE);
            default -> new TokenBucketLimit(limit.name(), limit.capacity(), limit.refillPerSecond());
        };
    }
}
