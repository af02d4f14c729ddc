package io.limitguard.gateway.config;

import io.limitguard.gateway.rules.RequestMatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One rule: which routes, which key, which limits (all must pass), what one request costs, and what
 * happens when Redis cannot answer.
 *
 * @param id        unique id, used in Redis keys, headers, events and metrics ({@code [A-Za-z0-9._-]}, 1-64)
 * @param routes    route ids the rule applies to; empty = every route
 * @param paths     path patterns ({@code /api/**}, {@code /users/{id}}, the syntax of the gateway's {@code Path}
 *                  predicate) of which a request's path must match one; empty = every path
 * @param methods   HTTP methods of which a request's must be one ({@code GET}, {@code POST}...); empty = every method
 * @param key       {@code ip} | {@code header:<Name>} | {@code principal} | {@code route} | {@code global}
 * @param limits    one or more limits; a request passes only if every limit has room
 * @param cost      units one request takes from every limit
 * @param onFailure what to do when Redis is unavailable
 * @param mode      {@code enforce} (default) or {@code shadow}: evaluate and report, never block
 * @param costHeader a request header whose value (a whole number) is the request's cost instead of
 *                  {@code cost}; absent header = {@code cost}; anything else than 0..max-cost = 400
 * @param maxCost   the highest cost the header may ask (required with {@code cost-header}); every
 *                  limit must hold it
 */
public record RuleProperties(
        String id,
        List<String> routes,
        List<String> paths,
        List<String> methods,
        @DefaultValue("ip") String key,
        List<LimitProperties> limits,
        @DefaultValue("1") long cost,
        @DefaultValue("open") FailureMode onFailure,
        @DefaultValue("enforce") Mode mode,
        String costHeader,
        Long maxCost) {

    static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");

    /** What a rule does when Redis cannot decide. */
    public enum FailureMode {
        /** Allow the request (marked failed-open). */
        OPEN,
        /** Reject with 503. */
        CLOSED,
        /** Decide with an in-process token bucket sized limit / expected instances. */
        LOCAL
    }

    /** Whether a rule decides requests or only reports what it would have decided. */
    public enum Mode {
        /** Over the limit means 429. */
        ENFORCE,
        /**
         * Evaluated on its own counters, all-or-nothing across its own limits, but never blocks, sends no
         * headers and never charges the enforced rules; a request it would have blocked is reported as
         * {@code SHADOW_BLOCKED}. For trying a rule on live traffic first.
         */
        SHADOW
    }

    /**
     * Every limit of every rule of a route is decided in each request's one script call (and up to a batch of
     * such requests in one call): a rule of thousands of limits would make every call on its routes time out,
     * that is, fail open. Real rules have one to a few.
     */
    public static final int MAX_LIMITS = 16;
    public static final int MAX_ROUTES = 256;
    /**
     * The same bound across rules: the limits of every rule that applies to one route, shadow rules included,
     * are decided in the same call (many small rules on one route cost Redis what one huge rule does).
     */
    public static final int MAX_LIMITS_PER_ROUTE = 32;

    /**
     * Refuses a set of rules that puts more than {@link #MAX_LIMITS_PER_ROUTE} limits on one route, naming the
     * route and its rules. Rules without routes apply to every route, hence count on each.
     */
    public static void checkLimitsPerRoute(Collection<RuleProperties> rules) {
        List<String> everyRoute = new ArrayList<>();
        int everyRouteLimits = 0;
        Map<String, List<RuleProperties>> byRoute = new TreeMap<>();
        for (RuleProperties rule : rules) {
            if (rule.routes().isEmpty()) {
                everyRoute.add(rule.id());
                everyRouteLimits += rule.limits().size();
            } else {
                for (String route : new HashSet<>(rule.routes())) {
                    byRoute.computeIfAbsent(route, r -> new ArrayList<>()).add(rule);
                }
            }
        }
        if (everyRouteLimits > MAX_LIMITS_PER_ROUTE) {
            throw new IllegalArgumentException("rules " + everyRoute + " (no routes: every route): " + everyRouteLimits
                    + " limits on every route; at most " + MAX_LIMITS_PER_ROUTE + " limits may apply to one route");
        }
        for (Map.Entry<String, List<RuleProperties>> route : byRoute.entrySet()) {
            int limits = everyRouteLimits;
            List<String> ids = new ArrayList<>(everyRoute);
            for (RuleProperties rule : route.getValue()) {
                limits += rule.limits().size();
                ids.add(rule.id());
            }
            if (limits > MAX_LIMITS_PER_ROUTE) {
                throw new IllegalArgumentException("route '" + route.getKey() + "': rules " + ids + " put " + limits
                        + " limits on it; at most " + MAX_LIMITS_PER_ROUTE + " limits may apply to one route");
            }
        }
    }

    /** How messages name a rule: {@code rule 'api'}, or {@code rule (no id)} for one without (not {@code rule 'null'}). */
    public static String label(Object id) {
        return id == null ? "rule (no id)" : "rule '" + id + "'";
    }

    public RuleProperties {
        if (id == null) {
            throw new IllegalArgumentException(label(null) + ": id: is required, matching " + ID.pattern());
        }
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("rule '" + id + "': id: must match " + ID.pattern());
        }
        routes = routes != null ? List.copyOf(routes) : List.of();
        paths = paths != null ? List.copyOf(paths) : List.of();
        methods = methods != null
                ? methods.stream().map(m -> m == null ? null : m.trim().toUpperCase(Locale.ROOT)).toList()
                : List.of();
        key = key == null || key.isBlank() ? "ip" : key.trim();
        onFailure = onFailure != null ? onFailure : FailureMode.OPEN;
        mode = mode != null ? mode : Mode.ENFORCE;
        String keyProblem = keyProblem(key);
        if (keyProblem != null) {
            throw new IllegalArgumentException("rule '" + id + "': key: " + keyProblem);
        }
        if (limits == null || limits.isEmpty()) {
            throw new IllegalArgumentException("rule '" + id + "': limits: at least one limit is required");
        }
        limits = List.copyOf(limits);
        if (limits.size() > MAX_LIMITS) {
            throw new IllegalArgumentException("rule '" + id + "': limits: at most " + MAX_LIMITS + " per rule, was "
                    + limits.size());
        }
        if (routes.size() > MAX_ROUTES) {
            throw new IllegalArgumentException("rule '" + id + "': routes: at most " + MAX_ROUTES + " per rule, was "
                    + routes.size() + " (omit routes for a rule of every route)");
        }
        String requestProblem = RequestMatch.problem(paths, methods);
        if (requestProblem != null) {
            throw new IllegalArgumentException("rule '" + id + "': " + requestProblem);
        }
        if (cost < 0) {
            throw new IllegalArgumentException("rule '" + id + "': cost: must be >= 0, was " + cost);
        }
        long highestCost = cost;
        String costField = "cost";
        if (costHeader != null) {
            if (!HEADER_NAME.matcher(costHeader).matches()) {
                throw new IllegalArgumentException("rule '" + id + "': cost-header: '" + costHeader
                        + "' is not a valid header name");
            }
            if (maxCost == null || maxCost < cost) {
                throw new IllegalArgumentException("rule '" + id + "': max-cost: required with cost-header, >= cost "
                        + cost + ", was " + maxCost);
            }
            highestCost = maxCost;
            costField = "max-cost";
        } else if (maxCost != null) {
            throw new IllegalArgumentException("rule '" + id + "': max-cost: applies only with cost-header");
        }
        List<String> problems = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < limits.size(); i++) {
            LimitProperties limit = limits.get(i);
            String where = "limits[" + i + "]" + (limit.name() != null ? " '" + limit.name() + "'" : "");
            for (String problem : limit.problems(highestCost, costField)) {
                problems.add(where + "." + problem);
            }
            if (limit.name() != null && !names.add(limit.name())) {
                problems.add(where + ".name: duplicate limit name in this rule");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("rule '" + id + "': " + String.join("; ", problems));
        }
    }

    private static String keyProblem(String key) {
        switch (key) {
            case "ip", "principal", "route", "global":
                return null;
            default:
                if (key.startsWith("header:")) {
                    return HEADER_NAME.matcher(key.substring(7)).matches() ? null
                            : "'" + key + "' has an invalid header name";
                }
                return "'" + key + "' is not one of ip, header:<Name>, principal, route, global";
        }
    }
}
