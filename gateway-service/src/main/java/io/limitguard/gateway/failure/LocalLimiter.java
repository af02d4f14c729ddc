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
     * Evaluates every limit of {@code rule} for {@code key}, all-or-nothing within the rule.
     *
     * @return one verdict per limit; all allowed means the request was charged
     */
    public List<LimitVerdict> decide(Rule rule, String key) {
        LocalBuckets local = buckets.get(rule.id() + '\u0000' + key, k -> new LocalBuckets(rule, expectedInstances));
        return local.decide(clockMicros.getAsLong(), rule.cost());
    }

    /**
     * The local share of a limit: the same algorithm's reference model with its quota and rate divided
     * by the instances (at least one unit). A concurrency slot comes back only when a response ends,
     * which the local fallback does not follow, so in-flight limits are not enforced locally (the
     * rule's other limits are).
     */
    static LimitModel<?> share(LimitSpec limit, int instances) {
        return limit.heldUntilResponseEnds() ? new NotEnforced(limit.quota()) : limit.model(instances);
    }

    /** Always admits; reports the whole quota left. */
    private record NotEnforced(long quota) implements LimitModel<NotEnforced.Pass> {
        record Pass(boolean allowed) implements LimitModel.Check {
        }

        @Override
        public Pass check(long nowMicros, long cost, long requestId) {
            return new Pass(true);
        }

        @Override
        public void commit(Pass check) {
        }

        @Override
        public LimitVerdict report(Pass check, boolean committed) {
            return new LimitVerdict(true, quota, 0, 0);
        }
    }

    public long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    private static final class LocalBuckets {

        private final List<LimitModel<?>> models = new ArrayList<>();

        LocalBuckets(Rule rule, int instances) {
            for (LimitSpec limit : rule.limits()) {
                models.add(share(limit, instances));
            }
        }

        synchronized List<LimitVerdict> decide(long now, long cost) {
            return LimitModel.evaluate(models, now, cost, 0).verdicts();
        }
    }
}
