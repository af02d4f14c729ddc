package io.limitguard.analytics.topology;

import io.limitguard.events.CountsUpdate.Dimension;
import java.util.Locale;

/**
 * The key the counts are grouped by: {@code route:<id>} or {@code rule:<id>}, the same spelling as
 * {@code CountsUpdate.topicKey()}, so a store key is also the key on {@code limitguard.counts}.
 */
public record DimensionKey(Dimension dimension, String id) {

    public static String of(Dimension dimension, String id) {
        return dimension.name().toLowerCase(Locale.ROOT) + ":" + id;
    }

    public static DimensionKey parse(String key) {
        int colon = key.indexOf(':');
        return new DimensionKey(Dimension.valueOf(key.substring(0, colon).toUpperCase(Locale.ROOT)),
                key.substring(colon + 1));
    }

    @Override
    public String toString() {
        return of(dimension, id);
    }
}
