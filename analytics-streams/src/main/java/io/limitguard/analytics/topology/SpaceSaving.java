package io.limitguard.analytics.topology;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Space-Saving summary (Metwally, Agrawal, El Abbadi, 2005) of the most frequent keys of a stream,
 * in at most {@code capacity} counters whatever the number of distinct keys.
 *
 * <p>While at most {@code capacity} distinct keys were offered, every count is exact. After that, a
 * new key takes over the smallest counter and inherits its count as {@link Entry#error()}: every
 * reported count is then at most {@code error} too high (never too low for a key that is kept), and
 * any key whose true count exceeds the smallest counter is guaranteed to be kept.
 *
 * <p>Mutable, not thread-safe: one instance per (window, task) inside a processor.
 */
public final class SpaceSaving {

    /** A monitored key: its (over)estimated count and the maximum overestimation. */
    public record Entry(String key, long count, long error) {
    }

    private final int capacity;
    private final Map<String, long[]> counters; // key -> {count, error}

    public SpaceSaving(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1");
        }
        this.capacity = capacity;
        this.counters = new HashMap<>(Math.min(capacity, 1024) * 2);
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return counters.size();
    }

    /** Counts one occurrence of {@code key}. */
    public void offer(String key) {
        long[] counter = counters.get(key);
        if (counter != null) {
            counter[0]++;
        } else if (counters.size() < capacity) {
            counters.put(key, new long[] {1, 0});
        } else {
            // Replace the smallest counter. A linear scan: capacity is small (hundreds) and this runs
            // only for keys not yet monitored in a full summary.
            String minKey = null;
            long min = Long.MAX_VALUE;
            for (Map.Entry<String, long[]> e : counters.entrySet()) {
                if (e.getValue()[0] < min) {
                    min = e.getValue()[0];
                    minKey = e.getKey();
                }
            }
            counters.remove(minKey);
            counters.put(key, new long[] {min + 1, min});
        }
    }

    /** The monitored keys, count descending then key ascending. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>(counters.size());
        counters.forEach((k, c) -> out.add(new Entry(k, c[0], c[1])));
        out.sort(ORDER);
        return Collections.unmodifiableList(out);
    }

    /** Visits every monitored key in no particular order (serialization: no sorting, no copies). */
    void forEach(EntryVisitor visitor) {
        counters.forEach((k, c) -> visitor.visit(k, c[0], c[1]));
    }

    @FunctionalInterface
    interface EntryVisitor {
        void visit(String key, long count, long error);
    }

    /** Restores a summary from its entries (deserialization). */
    static SpaceSaving of(int capacity, List<Entry> entries) {
        SpaceSaving s = new SpaceSaving(capacity);
        for (Entry e : entries) {
            s.counters.put(e.key(), new long[] {e.count(), e.error()});
        }
        return s;
    }

    static final java.util.Comparator<Entry> ORDER = java.util.Comparator.comparingLong(Entry::count).reversed()
            .thenComparing(Entry::key);
}
