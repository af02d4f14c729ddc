package io.limitguard.events;

import java.util.Objects;

/**
 * Windowed counts for one route or one rule, as published on {@link Topics#COUNTS} by the analytics
 * service and consumed by the dashboard. A later update for the same key and window replaces an
 * earlier one (counts only grow within a window).
 *
 * @param v           schema version
 * @param dimension   what {@code id} names
 * @param id          route id or rule id
 * @param step        window size: {@code 1s}, {@code 1m} or {@code 1h}
 * @param windowStart epoch ms, inclusive
 * @param windowEnd   epoch ms, exclusive
 * @param counts      decisions in the window by outcome
 */
public record CountsUpdate(
        int v,
        Dimension dimension,
        String id,
        String step,
        long windowStart,
        long windowEnd,
        OutcomeCounts counts) {

    public static final int VERSION = 1;

    /** Required fields, as for {@link DecisionEvent}: a record without them is unreadable, not delivered. */
    public CountsUpdate {
        Objects.requireNonNull(dimension, "dimension");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(counts, "counts");
    }

    public enum Dimension { ROUTE, RULE }

    /** Kafka record key: {@code route:<id>} or {@code rule:<id>}. */
    public String topicKey() {
        return dimension.name().toLowerCase(java.util.Locale.ROOT) + ":" + id;
    }
}
