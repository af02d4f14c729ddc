package io.limitguard.gateway.failure;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.limitguard.gateway.limit.LimitModel;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.limit.LimitVerdict;
import io.limitguard.gateway.rules.Rule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The in-process limiter of {@code on-failure: local}: one model per rule, key and limit, sized to
 * the limit divided by the number of gateway instances, so that N instances together admit about
 * what Redis would have. Uses each algorithm's {@link LimitModel}, the same arithmetic as its Lua
 * script. Memory is bounded: at most {@code maxKeys} keys, idle keys evicted.
 */
public final class LocalLimiter {

    private final int expectedInstances;
    private final Cache<String, LocalBuckets> buckets;
    private final LongSupplier clockMicros;

    public LocalLimiter(int expectedInstances, long maxKeys, Duration idle) {
        this(expectedInstances, maxKeys, idle, () -> System.nanoTime() / 1000);
    }

    LocalLimiter(int expectedInstances, long maxKeys, Duration idle, LongSupplier clockMicros) {
        this.expectedInstances = expectedInstances;
        this.buckets = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterAccess(idle).build();
        this.clockMicros = clockMicros;
    }

    /**
     * Evaluates every limit of {@code rule} for {@code key}, all-or-nothing within the rule. A
     * concurrency limit takes a slot named {@code requestId}, held until {@link #release}.
     *
     * @return one verdict per limit; all allowed means the request was charged
     */
    public List<LimitVerdict> decide(Rule rule, String key, long requestId) {
        // A rule replaced at run time (admin API) keeps its id: buckets built for other limits start over.
        LocalBuckets local = buckets.asMap().compute(bucketKey(rule, key),
                (k, old) -> old != null && old.builtFor(rule) ? old : new LocalBuckets(rule, expectedInstances));
        return local.decide(clockMicros.getAsLong(), rule.cost(), requestId);
    }

    /** Gives back the concurrency slots {@code requestId} holds under {@code rule} and {@code key} (idempotent). */
    public void release(Rule rule, String key, long requestId) {
        LocalBuckets local = buckets.getIfPresent(bucketKey(rule, key));
        if (local != null) {
            local.release(requestId);
        }
    }

    private static String bucketKey(Rule rule, String key) {
        return rule.id() + '\u0000' + key;
    }

    public long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    private static final class LocalBuckets {

        private final List<LimitModel<?>> models = new ArrayList<>();
        private final List<LimitSpec> limits;
        private final long cost;

        LocalBuckets(Rule rule, int instances) {
            this.limits = rule.limits();
            this.cost = rule.cost();
            for (LimitSpec limit : rule.limits()) {
                // the limit's own model sized to this instance's share (a concurrency slot is held until
                // the gateway releases it when the response ends, as with Redis; its lease is the backstop),
                // but never smaller than one request of the rule: a share below its cost would admit nothing
                int share = instances;
                while (share > 1 && !limit.heldUntilResponseEnds() && limit.quota() / share < rule.cost()) {
                    share--;
                }
                models.add(limit.model(share));
            }
        }

        boolean builtFor(Rule rule) {
            return limits.equals(rule.limits()) && cost == rule.cost();
        }

        synchronized List<LimitVerdict> decide(long now, long cost, long requestId) {
            return LimitModel.evaluate(models, now, cost, requestId).verdicts();
        }

        synchronized void release(long requestId) {
            for (LimitModel<?> model : models) {
                model.release(requestId);
            }
        }
    }
}
