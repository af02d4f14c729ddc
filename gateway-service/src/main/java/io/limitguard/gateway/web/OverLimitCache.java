package io.limitguard.gateway.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.limitguard.events.Outcome;
import io.limitguard.gateway.limit.LimitVerdict;
import io.limitguard.gateway.web.RequestLimiter.KeyedRule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Remembers "rule R is over its limit for key K until T" from Redis's answers, so that further
 * requests of K under R are rejected in the gateway until T without a Redis call.
 *
 * <p>Why this never admits too much and never rejects wrongly: T is the longest {@code retry-after}
 * of the limits that rejected, counted from the start of the request (before Redis read its clock),
 * so the local deadline is never later than Redis's. Until then no limit of the rule can admit the
 * same cost: buckets, GCRA and windows only recover with time, and other requests can only use more
 * of them. A cheaper request (cost header) is not covered and goes to Redis. Concurrency limits are
 * never cached: a slot may come back any moment. Memory is bounded ({@code maxKeys}) and an entry
 * leaves at its T. Hits are counted ({@code limitguard.overlimit.cache.hits}).
 */
public final class OverLimitCache {

    private final Cache<String, Blocked> blocked;
    private final Counter hits;

    public OverLimitCache(long maxKeys, MeterRegistry meters) {
        this.blocked = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfter(Expiry.<String, Blocked>writing(
                        (key, value) -> Duration.ofNanos(Math.max(0, value.untilNanos() - System.nanoTime()))))
                .build();
        this.hits = Counter.builder("limitguard.overlimit.cache.hits")
                .description("Requests rejected by the local over-limit cache without a Redis call")
                .register(meters);
    }

    /** The rejection of {@code keyed} from the cache at {@code nowNanos}, or null when Redis must decide. */
    RuleDecision rejection(KeyedRule keyed, long cost, long nowNanos) {
        Blocked entry = blocked.getIfPresent(id(keyed));
        if (entry == null || nowNanos - entry.untilNanos() >= 0 || cost < entry.cost()) {
            return null;
        }
        hits.increment();
        long elapsedMicros = (nowNanos - entry.sinceNanos()) / 1000;
        List<LimitVerdict> verdicts = new ArrayList<>(entry.verdicts().size());
        for (LimitVerdict v : entry.verdicts()) {
            verdicts.add(new LimitVerdict(v.allowed(), v.remaining(), Math.max(0, v.nextMicros() - elapsedMicros),
                    v.allowed() ? 0 : Math.max(1, v.retryAfterMicros() - elapsedMicros)));
        }
        return new RuleDecision(keyed.rule(), keyed.key(), Outcome.BLOCKED, verdicts, cost);
    }

    /** Learns from Redis's decision of a rule, made for a request that started at {@code startNanos}. */
    void learn(RuleDecision decision, long startNanos) {
        if (decision.outcome() != Outcome.BLOCKED) {
            return;
        }
        long waitMicros = 0;
        for (int i = 0; i < decision.verdicts().size(); i++) {
            LimitVerdict verdict = decision.verdicts().get(i);
            if (!verdict.allowed()) {
                if (decision.rule().limits().get(i).heldUntilResponseEnds()) {
                    return;
                }
                waitMicros = Math.max(waitMicros, verdict.retryAfterMicros());
            }
        }
        if (waitMicros > 0) {
            blocked.put(id(decision.rule().id(), decision.key()),
                    new Blocked(startNanos + waitMicros * 1000, decision.cost(), decision.verdicts(), startNanos));
        }
    }

    /** Forgets everything (the rules changed). */
    public void clear() {
        blocked.invalidateAll();
    }

    public long size() {
        blocked.cleanUp();
        return blocked.estimatedSize();
    }

    private static String id(KeyedRule keyed) {
        return id(keyed.rule().id(), keyed.key());
    }

    private static String id(String rule, String key) {
        return rule + '\u0000' + key;
    }

    private record Blocked(long untilNanos, long cost, List<LimitVerdict> verdicts, long sinceNanos) {
    }
}
