package io.limitguard.analytics.topology;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/** The window sizes of the counts: one tumbling-window store each. */
public enum Step {
    SECOND("1s", Duration.ofSeconds(1)),
    MINUTE("1m", Duration.ofMinutes(1)),
    HOUR("1h", Duration.ofHours(1));

    private final String label;
    private final Duration size;

    Step(String label, Duration size) {
        this.label = label;
        this.size = size;
    }

    /** As written in queries and in {@code CountsUpdate.step}: {@code 1s}, {@code 1m}, {@code 1h}. */
    public String label() {
        return label;
    }

    public Duration size() {
        return size;
    }

    /** Name of the window store (and its changelog) holding this step's counts. */
    public String storeName() {
        return "counts-" + label;
    }

    /** Start of the tumbling window (aligned to the epoch) that contains {@code epochMs}. */
    public long windowStart(long epochMs) {
        long ms = size.toMillis();
        return epochMs - Math.floorMod(epochMs, ms);
    }

    public static Optional<Step> fromLabel(String label) {
        return Arrays.stream(values()).filter(s -> s.label.equals(label)).findFirst();
    }
}
