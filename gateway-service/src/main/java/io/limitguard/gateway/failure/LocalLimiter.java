package io.limitguard.gateway.failure;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.limit.LimitVerdict;
import io.limitguard.gateway.limit.TokenBucketLimit;
import io.limitguard.gateway.limit.TokenBucketModel;
import io.limitguard.gateway.rules.Rule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The in-process limiter of {@code on-failure: local}: one token bucket per rule, key and limit,
 * sized to the limit divided by the number of gateway instances, so that N instances together
 * admit about what Redis would have. Uses {@link TokenBucketModel}, the same arithmetic as the Lua
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
     * Evaluates every limit of {@code rule} for {@code key}, all-or-nothing within the rule.
     *
     * @return one verdict per limit; all allowed means the request was charged
     */
    public List<LimitVerdict> decide(Rule rule, String key) {
        LocalBuckets local = buckets.get(rule.id() + '\u0000' + key, k -> new LocalBuckets(rule, expectedInstances));
        return local.decide(clockMicros.getAsLong(), rule.cost());
    }

    /** The local share of a limit: its capacity and refill divided by the instances (at least one unit). */
    static TokenBucketModel share(LimitSpec limit, int instances) {
        TokenBucketLimit bucket = (TokenBucketLimit) limit;
        long capacity = Math.max(1, bucket.capacity() / instances);
        return new TokenBucketModel(capacity, bucket.refillPerSecond() / instances);
    }

    public long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    private static final class LocalBuckets {

        private final List<TokenBucketModel> models = new ArrayList<>();

        LocalBuckets(Rule rule, int instances) {
            for (LimitSpec limit : rule.limits()) {
                models.add(share(limit, instances));
            }
        }

        synchronized List<LimitVerdict> decide(long now, long cost) {
            List<TokenBucketModel.Check> checks = new ArrayList<>(models.size());
            boolean all = true;
            for (TokenBucketModel model : models) {
                TokenBucketModel.Check check = model.check(now, cost);
                checks.add(check);
                all &= check.allowed();
            }
            List<LimitVerdict> verdicts = new ArrayList<>(models.size());
            for (int i = 0; i < models.size(); i++) {
                if (all) {
                    models.get(i).commit(checks.get(i));
                }
                verdicts.add(models.get(i).report(checks.get(i), all));
            }
            return verdicts;
        }
    }
}
