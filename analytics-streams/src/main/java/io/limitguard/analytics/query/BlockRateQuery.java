package io.limitguard.analytics.query;

import io.limitguard.analytics.topology.DimensionKey;
import io.limitguard.analytics.topology.Step;
import io.limitguard.events.CountsUpdate.Dimension;
import java.time.Instant;

/** A validated block-rate question: windows of {@code step} whose start is in [from, to). */
public record BlockRateQuery(Dimension dimension, String id, Step step, Instant from, Instant to) {

    public String storeKey() {
        return DimensionKey.of(dimension, id);
    }

    /** Start of the first window in range: {@code from} rounded up to the step. */
    public long firstWindowStart() {
        return ceil(step, from.toEpochMilli());
    }

    /** The first window start of {@code step} at or after {@code epochMs}. */
    public static long ceil(Step step, long epochMs) {
        long start = step.windowStart(epochMs);
        return start < epochMs ? start + step.size().toMillis() : start;
    }

    /** Start of the last window in range (may be before the first when the range holds none). */
    public long lastWindowStart() {
        return step.windowStart(to.toEpochMilli() - 1);
    }

    public long windowCount() {
        long first = firstWindowStart();
        long last = lastWindowStart();
        return last < first ? 0 : (last - first) / step.size().toMillis() + 1;
    }
}
