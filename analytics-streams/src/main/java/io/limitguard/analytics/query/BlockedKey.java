package io.limitguard.analytics.query;

import java.util.Comparator;

/** A key and its blocked decisions (API answer, and what peers send each other). */
public record BlockedKey(String key, long blocked) {

    /** Blocked descending, then key ascending. */
    public static final Comparator<BlockedKey> ORDER =
            Comparator.comparingLong(BlockedKey::blocked).reversed().thenComparing(BlockedKey::key);
}
