package io.limitguard.gateway.web;

import io.limitguard.events.Outcome;
import io.limitguard.gateway.config.KeyProperties.EmptyKey;
import io.limitguard.gateway.failure.FailureFallback;
import io.limitguard.gateway.failure.RedisGuard;
import io.limitguard.gateway.keys.KeyBounds;
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

    private final LimitEngine engine;
    private final RedisGuard guard;
    private final FailureFallback fallback;
    private final KeyBounds keyBounds;
    private final EmptyKey onEmpty;

    public RequestLimiter(LimitEngine engine, RedisGuard guard, FailureFallback fallback, KeyBounds keyBounds,
            EmptyKey onEmpty) {
        this.engine = engine;
        this.guard = guard;
        this.fallback = fallback;
        this.keyBounds = keyBounds;
        this.onEmpty = onEmpty;
    }

    public Mono<RequestDecision> decide(ServerWebExchange exchange, String routeId, List<Rule> rules) {
        long start = System.nanoTime();
        return Flux.fromIterable(rules)
                .concatMap(rule -> rule.keyResolver().resolve(exchange, routeId)
                        .filter(key -> !key.isEmpty())
                        .map(key -> new KeyedRule(rule, keyBounds.bound(key)))
                        .switchIfEmpty(Mono.fromSupplier(() -> keyless(rule))))
                .filter(keyed -> keyed.key() != null || onEmpty == EmptyKey.REJECT)
                .collectList()
                .flatMap(keyed -> decide(keyed, start));
    }

    private KeyedRule keyless(Rule rule) {
        return switch (onEmpty) {
            case SHARED -> new KeyedRule(rule, EMPTY_KEY);
            case SKIP, REJECT -> new KeyedRule(rule, null);
        };
    }

    private Mono<RequestDecision> decide(List<KeyedRule> keyed, long start) {
        for (KeyedRule k : keyed) {
            if (k.key() == null) {
                return Mono.just(new RequestDecision(RequestDecision.Status.MISSING_KEY, List.of(), micros(start),
                        k.rule().id()));
            }
        }
        if (keyed.isEmpty()) {
            return Mono.just(new RequestDecision(RequestDecision.Status.ALLOWED, List.of(), micros(start), null));
        }
        List<LimitCall> calls = new ArrayList<>();
        for (KeyedRule k : keyed) {
            for (LimitSpec limit : k.rule().limits()) {
                calls.add(new LimitCall(k.rule().redisKey(k.key(), limit), limit, k.rule().cost()));
            }
        }
        return guard.protect(engine.evaluate(calls))
                .map(evaluation -> fromRedis(keyed, evaluation, start))
                .onErrorResume(error -> Mono.fromSupplier(() -> fallback.decide(keyed, start, error)));
    }

    private static RequestDecision fromRedis(List<KeyedRule> keyed, Evaluation evaluation, long start) {
        List<RuleDecision> decisions = new ArrayList<>(keyed.size());
        int at = 0;
        for (KeyedRule k : keyed) {
            int n = k.rule().limits().size();
            List<LimitVerdict> verdicts = evaluation.verdicts().subList(at, at + n);
            at += n;
            boolean ruleAllowed = verdicts.stream().allMatch(LimitVerdict::allowed);
            decisions.add(new RuleDecision(k.rule(), k.key(), ruleAllowed ? Outcome.ALLOWED : Outcome.BLOCKED, verdicts));
        }
        return new RequestDecision(evaluation.allowed() ? RequestDecision.Status.ALLOWED
                : RequestDecision.Status.RATE_LIMITED, decisions, micros(start), null);
    }

    static long micros(long startNanos) {
        return (System.nanoTime() - startNanos) / 1000;
    }

    /** A rule with its bounded key (null: the key is missing and the request is to be rejected). */
    public record KeyedRule(Rule rule, String key) {
    }
}
