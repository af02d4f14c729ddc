package io.limitguard.gateway.web;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.limitguard.events.Outcome;
import io.limitguard.gateway.config.KeyProperties.EmptyKey;
import io.limitguard.gateway.failure.FailureFallback;
import io.limitguard.gateway.failure.RedisGuard;
import io.limitguard.gateway.keys.KeyBounds;
import io.limitguard.gateway.keys.KeyResolver;
import io.limitguard.gateway.limit.Evaluation;
import io.limitguard.gateway.limit.LimitCall;
import io.limitguard.gateway.limit.LimitEngine;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.limit.LimitVerdict;
import io.limitguard.gateway.rules.Rule;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Decides one request: resolves every applicable rule's key, evaluates all their limits in one
 * guarded script call, and falls back to each rule's failure mode when Redis cannot answer.
 */
public final class RequestLimiter {

    /** Stands for "no key" under {@code on-empty: shared}; a real key with '(' is hashed, so it cannot collide. */
    static final String EMPTY_KEY = "(none)";
    /** A cost header that is not a whole number from 0 to the rule's max-cost. */
    static final long INVALID_COST = -1;

    private final LimitEngine engine;
    private final RedisGuard guard;
    private final FailureFallback fallback;
    private final KeyBounds keyBounds;
    private final EmptyKey onEmpty;
    private final OverLimitCache overLimit;
    private final ConcurrencyReleases releases;

    /**
     * @param overLimit the local over-limit cache, null when disabled
     * @param releases  gives back a concurrency slot that a call past its time limit may still take in Redis
     */
    public RequestLimiter(LimitEngine engine, RedisGuard guard, FailureFallback fallback, KeyBounds keyBounds,
            EmptyKey onEmpty, OverLimitCache overLimit, ConcurrencyReleases releases) {
        this.engine = engine;
        this.guard = guard;
        this.fallback = fallback;
        this.keyBounds = keyBounds;
        this.onEmpty = onEmpty;
        this.overLimit = overLimit;
        this.releases = releases;
    }

    public Mono<RequestDecision> decide(ServerWebExchange exchange, String routeId, List<Rule> rules) {
        return decide(exchange, routeId, rules, 0);
    }

    /**
     * @param requestId names the request's concurrency leases (see {@link ConcurrencyReleases}); 0 when
     *                  no applicable limit holds one
     */
    public Mono<RequestDecision> decide(ServerWebExchange exchange, String routeId, List<Rule> rules, long requestId) {
        long start = System.nanoTime();
        return Flux.fromIterable(rules)
                .concatMap(rule -> rule.keyResolver().resolve(exchange, routeId)
                        .filter(key -> !key.isEmpty())
                        .map(key -> key == KeyResolver.REPEATED ? new KeyedRule(rule, key, rule.cost())
                                : new KeyedRule(rule, keyBounds.bound(key), costOf(rule, exchange)))
                        .switchIfEmpty(Mono.fromSupplier(() -> keyless(rule, exchange))))
                .filter(keyed -> keyed.key() != null || onEmpty == EmptyKey.REJECT)
                .collectList()
                .flatMap(keyed -> decide(keyed, start, requestId));
    }

    private KeyedRule keyless(Rule rule, ServerWebExchange exchange) {
        return switch (onEmpty) {
            case SHARED -> new KeyedRule(rule, EMPTY_KEY, costOf(rule, exchange));
            case SKIP, REJECT -> new KeyedRule(rule, null, rule.cost());
        };
    }

    /**
     * The request's cost under {@code rule}: its {@code cost-header} when the rule has one and the
     * request sends it (a whole number from 0 to {@code max-cost}), else the rule's {@code cost};
     * {@link #INVALID_COST} for any other header value.
     */
    static long costOf(Rule rule, ServerWebExchange exchange) {
        if (rule.costHeader() == null) {
            return rule.cost();
        }
        List<String> values = exchange.getRequest().getHeaders().get(rule.costHeader());
        if (values == null || values.isEmpty()) {
            return rule.cost();
        }
        if (values.size() > 1) {
            return INVALID_COST; // which one the upstream reads is its own choice: X-Cost: 0 then X-Cost: 10 must not cost 0
        }
        String text = values.get(0).trim();
        if (text.isEmpty() || text.length() > 18) {
            return INVALID_COST;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return INVALID_COST;
            }
        }
        long cost = Long.parseLong(text);
        return cost <= rule.maxCost() ? cost : INVALID_COST;
    }

    private Mono<RequestDecision> decide(List<KeyedRule> all, long start, long requestId) {
        for (KeyedRule k : all) {
            if ((k.key() == null || k.key() == KeyResolver.REPEATED) && !k.rule().shadow()) {
                return Mono.just(new RequestDecision(k.key() == null ? RequestDecision.Status.MISSING_KEY
                        : RequestDecision.Status.REPEATED_KEY, List.of(), micros(start), k.rule()));
            }
        }
        for (KeyedRule k : all) {
            if (k.cost() == INVALID_COST && k.key() != null && !k.rule().shadow()) {
                return Mono.just(new RequestDecision(RequestDecision.Status.INVALID_COST, List.of(), micros(start),
                        k.rule()));
            }
        }
        // a shadow rule never rejects, not even for a missing or repeated key or a bad cost: then it just does not apply
        List<KeyedRule> keyed = all.stream()
                .filter(k -> k.key() != null && k.key() != KeyResolver.REPEATED && k.cost() != INVALID_COST).toList();
        if (keyed.isEmpty()) {
            return Mono.just(new RequestDecision(RequestDecision.Status.ALLOWED, List.of(), micros(start), null));
        }
        RequestDecision cached = rejectedLocally(keyed, start);
        if (cached != null) {
            return Mono.just(cached);
        }
        List<LimitCall> calls = new ArrayList<>();
        int shadowGroups = 0;
        for (KeyedRule k : keyed) {
            // enforced limits share group 0 (all-or-nothing together); each shadow rule is a group of its own
            int group = k.rule().shadow() ? ++shadowGroups : LimitCall.ENFORCED;
            for (LimitSpec limit : k.rule().limits()) {
                calls.add(new LimitCall(k.rule().redisKey(k.key(), limit), limit, k.cost(), requestId, group));
            }
        }
        Mono<Evaluation> evaluation = guard.protect(engine.evaluate(calls));
        List<String> leases = requestId == 0 ? List.of() : leaseKeys(calls);
        if (!leases.isEmpty()) {
            // A call past its time limit (or whose request went away) may still run in Redis and take a slot that
            // no response will give back: give it back after the call (idempotent ZREM, behind it on the
            // connection). Not when the breaker refused the call: then it was never sent.
            evaluation = evaluation
                    .doOnError(error -> {
                        if (!(error instanceof CallNotPermittedException)) {
                            releases.release(leases, requestId);
                        }
                    })
                    .doOnCancel(() -> releases.release(leases, requestId));
        }
        return evaluation
                .map(result -> learn(fromRedis(keyed, result, start), start))
                .onErrorResume(error -> Mono.fromSupplier(() -> withoutRedis(keyed, start, requestId, error)));
    }

    private static List<String> leaseKeys(List<LimitCall> calls) {
        List<String> keys = new ArrayList<>(0);
        for (LimitCall call : calls) {
            if (call.limit().heldUntilResponseEnds()) {
                keys.add(call.redisKey());
            }
        }
        return keys;
    }

    /** 429 without Redis when the over-limit cache knows an enforced rule is still over its limit. */
    private RequestDecision rejectedLocally(List<KeyedRule> keyed, long start) {
        if (overLimit == null) {
            return null;
        }
        List<RuleDecision> blocked = null;
        for (KeyedRule k : keyed) {
            RuleDecision rejection = k.rule().shadow() ? null : overLimit.rejection(k, k.cost(), start);
            if (rejection != null) {
                blocked = blocked == null ? new ArrayList<>(1) : blocked;
                blocked.add(rejection);
            }
        }
        // Only the rules known to be over their limit are reported: the others were not asked (nor charged).
        return blocked == null ? null
                : new RequestDecision(RequestDecision.Status.RATE_LIMITED, blocked, micros(start), null);
    }

    private RequestDecision learn(RequestDecision decision, long start) {
        if (overLimit != null && decision.status() == RequestDecision.Status.RATE_LIMITED) {
            for (RuleDecision rule : decision.rules()) {
                overLimit.learn(rule, start);
            }
        }
        return decision;
    }

    /** The enforced rules' failure modes decide; shadow rules never block, so they fail open. */
    private RequestDecision withoutRedis(List<KeyedRule> keyed, long start, long requestId, Throwable error) {
        List<KeyedRule> enforced = keyed.stream().filter(k -> !k.rule().shadow()).toList();
        if (enforced.size() == keyed.size()) {
            return fallback.decide(keyed, start, requestId, error);
        }
        RequestDecision decision = fallback.decide(enforced, start, requestId, error);
        List<RuleDecision> rules = new ArrayList<>(decision.rules());
        for (KeyedRule k : keyed) {
            if (k.rule().shadow()) {
                rules.add(new RuleDecision(k.rule(), k.key(), Outcome.FAILED_OPEN, List.of(), k.cost()));
            }
        }
        return new RequestDecision(decision.status(), rules, decision.latencyMicros(), decision.refusedBy());
    }

    private static RequestDecision fromRedis(List<KeyedRule> keyed, Evaluation evaluation, long start) {
        List<RuleDecision> decisions = new ArrayList<>(keyed.size());
        int at = 0;
        for (KeyedRule k : keyed) {
            int n = k.rule().limits().size();
            List<LimitVerdict> verdicts = evaluation.verdicts().subList(at, at + n);
            at += n;
            if (n > 0 && !verdicts.get(0).asked()) {
                // a cluster did not ask this rule's slot after an earlier slot rejected: not reported, like
                // the rules the over-limit cache does not ask (a rule's limits share one slot: all or none asked)
                continue;
            }
            boolean ruleAllowed = verdicts.stream().allMatch(LimitVerdict::allowed);
            Outcome over = k.rule().shadow() ? Outcome.SHADOW_BLOCKED : Outcome.BLOCKED;
            decisions.add(new RuleDecision(k.rule(), k.key(), ruleAllowed ? Outcome.ALLOWED : over, verdicts, k.cost()));
        }
        return new RequestDecision(evaluation.allowed() ? RequestDecision.Status.ALLOWED
                : RequestDecision.Status.RATE_LIMITED, decisions, micros(start), null);
    }

    static long micros(long startNanos) {
        return (System.nanoTime() - startNanos) / 1000;
    }

    /**
     * A rule with its bounded key (null: the key is missing and the request is to be rejected;
     * {@link KeyResolver#REPEATED}: the key header came more than once) and the request's cost under it
     * ({@link #INVALID_COST}: a bad cost header).
     */
    public record KeyedRule(Rule rule, String key, long cost) {
    }
}
