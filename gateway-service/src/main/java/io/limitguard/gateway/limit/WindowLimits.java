package io.limitguard.gateway.limit;

import java.time.Duration;

/** What the two window algorithms share: their bounds and their advertised window. */
final class WindowLimits {

    /** The scripts keep windows in whole milliseconds, at most 1e12 (about 31 years). */
    static final long MAX_WINDOW_MILLIS = 1_000_000_000_000L;

    private WindowLimits() {
    }

    static void check(String name, long limit, Duration window) {
        if (limit < 1 || window == null || window.toMillis() < 1 || window.toMillis() > MAX_WINDOW_MILLIS) {
            throw new IllegalArgumentException("window limit '" + name + "': limit must be >= 1 and window in [1ms, "
                    + MAX_WINDOW_MILLIS + "ms], was " + limit + " per " + window);
        }
    }

    static long seconds(Duration window) {
        return Math.max(1, (window.toMillis() + 999) / 1000);
    }
}
