package io.limitguard.analytics.topology;

import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.streams.kstream.Materialized.StoreType;

/**
 * What the topology needs to know, and nothing else (no Spring): the grace period for late events,
 * the retention of each step's store, the number of counters of the top-blocked summary, and whom
 * to tell about poison records.
 *
 * @param grace            how long after a window's end late events are still counted (all steps)
 * @param secondRetention  how long 1 s windows are kept (queryable, restorable)
 * @param minuteRetention  how long 1 min windows and the per-minute top-blocked summaries are kept
 * @param hourRetention    how long 1 h windows are kept
 * @param topN             counters per (minute, partition) in the Space-Saving summary of blocked keys
 * @param poisonListener   called once per record sent to the dead-letter topic
 * @param flushInterval    how often the per-second buckets are forwarded to the window stores (wall clock)
 * @param storeType        RocksDB (the service: history outlives memory and restarts) or in-memory
 *                         (topology tests, where the test driver commits, hence flushes, every record)
 */
public record TopologyConfig(Duration grace, Duration secondRetention, Duration minuteRetention,
                             Duration hourRetention, int topN, Runnable poisonListener, Duration flushInterval,
                             StoreType storeType) {

    public TopologyConfig {
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(poisonListener, "poisonListener");
        Objects.requireNonNull(storeType, "storeType");
        if (flushInterval == null || flushInterval.isZero() || flushInterval.isNegative()) {
            throw new IllegalArgumentException("flushInterval must be positive");
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative");
        }
        if (topN < 1) {
            throw new IllegalArgumentException("topN must be >= 1");
        }
        for (Step step : Step.values()) {
            Duration retention = retentionOf(step, secondRetention, minuteRetention, hourRetention);
            Duration minimum = step.size().plus(grace);
            if (retention == null || retention.compareTo(minimum) < 0) {
                throw new IllegalArgumentException("retention of " + step.label() + " windows must be at least "
                        + "window size + grace = " + minimum + ", was " + retention);
            }
        }
    }

    public Duration retention(Step step) {
        return retentionOf(step, secondRetention, minuteRetention, hourRetention);
    }

    private static Duration retentionOf(Step step, Duration s, Duration m, Duration h) {
        return switch (step) {
            case SECOND -> s;
            case MINUTE -> m;
            case HOUR -> h;
        };
    }
}
