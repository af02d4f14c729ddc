package io.limitguard.gateway.web;

import io.limitguard.events.Outcome;
import io.limitguard.gateway.failure.LocalLimiter;
import io.limitguard.gateway.limit.LimitEngine;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.rules.Rule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Gives back the concurrency slots of a request when its response ends: completes, errors or is
 * cancelled. The release ({@code ZREM}, idempotent) is sent after the fact and nobody waits for it,
 * so it adds nothing to the request's latency; if it fails (Redis down), the lease expiry frees
 * the slot instead. Failed releases are counted ({@code limitguard.concurrency.release.failures}).
 * Slots that the {@code local} failure mode gave (Redis was down) are given back to the
 * {@link LocalLimiter} the same way.
 */
public final class ConcurrencyReleases {

    private static final Logger log = LoggerFactory.getLogger(ConcurrencyReleases.class);
    /** Lease ids are integers the script reads as Lua numbers (doubles): below 2^53 they are exact. */
    private static final long MAX_ID = 1L << 53;

    private final LimitEngine engine;
    private final LocalLimiter local;
    private final Duration timeout;
    private final Counter failures;

    public ConcurrencyReleases(LimitEngine engine, LocalLimiter local, Duration timeout, MeterRegistry meters) {
        this.engine = engine;
        this.local = local;
        this.timeout = timeout;
        this.failures = Counter.builder("limitguard.concurrency.release.failures")
                .description("Concurrency slots whose release could not be sent; their lease expiry frees them")
                .register(meters);
    }

    /** A random id (lease name) when one of the rules holds a concurrency slot, else 0. */
    public static long requestIdFor(List<Rule> rules) {
        for (Rule rule : rules) {
            for (LimitSpec limit : rule.limits()) {
                if (limit.heldUntilResponseEnds()) {
                    return ThreadLocalRandom.current().nextLong(1, MAX_ID);
                }
            }
        }
        return 0;
    }

    /**
     * {@code forwarded}, releasing the request's slots once it ends, whichever way.
     *
     * @param requestId from {@link #requestIdFor}: 0 when no rule of the request holds a slot
     */
    public Mono<Void> holdWhile(Mono<Void> forwarded, RequestDecision decision, long requestId) {
        if (requestId == 0) {
            return forwarded; // the common case: nothing to look for
        }
        List<String> keys = heldKeys(decision);
        List<RuleDecision> local = heldLocally(decision);
        if (keys.isEmpty() && local.isEmpty()) {
            return forwarded;
        }
        return forwarded.doFinally(signal -> {
            if (!keys.isEmpty()) {
                release(keys, requestId);
            }
            local.forEach(rule -> this.local.release(rule.rule(), rule.key(), requestId));
        });
    }

    /** Rules the local failure mode admitted that hold a concurrency slot in the {@link LocalLimiter}. */
    static List<RuleDecision> heldLocally(RequestDecision decision) {
        List<RuleDecision> held = new ArrayList<>(0);
        for (RuleDecision rule : decision.rules()) {
            if (rule.outcome() == Outcome.LOCAL_ALLOWED
                    && rule.rule().limits().stream().anyMatch(LimitSpec::heldUntilResponseEnds)) {
                held.add(rule);
            }
        }
        return held;
    }

    /**
     * Redis keys of the slots Redis gave this request: rules it admitted. A rejected request's enforced
     * limits charged nothing, but each shadow rule is a group of its own, charged when it admitted.
     */
    static List<String> heldKeys(RequestDecision decision) {
        List<String> keys = new ArrayList<>(1);
        boolean forwarded = decision.status() == RequestDecision.Status.ALLOWED;
        for (RuleDecision rule : decision.rules()) {
            if (rule.outcome() != Outcome.ALLOWED || !(forwarded || rule.rule().shadow())) {
                continue;
            }
            for (LimitSpec limit : rule.rule().limits()) {
                if (limit.heldUntilResponseEnds()) {
                    keys.add(rule.rule().redisKey(rule.key(), limit));
                }
            }
        }
        return keys;
    }

    /** Sends the release of these slots; nobody waits for it (a failure is counted, the lease frees them). */
    void release(List<String> keys, long requestId) {
        engine.release(keys, requestId).timeout(timeout).subscribe(released -> {
        }, error -> {
            failures.increment();
            log.debug("Could not release concurrency slots {} of request {} ({}); their lease frees them", keys,
                    requestId, error.toString());
        });
    }
}
