package io.limitguard.gateway.limit;

import java.time.Duration;
import java.util.List;

/**
 * What the two window algorithms share: at most {@code limit} units per {@code window}, the same
 * script parameters and the same advertised quota and window.
 */
sealed interface WindowLimit extends LimitSpec permits FixedWindowLimit, SlidingWindowLimit {

    /** The scripts keep windows in whole milliseconds, at most 1e12 (about 31 years). */
    long MAX_WINDOW_MILLIS = 1_000_000_000_000L;

    long limit();

    Duration window();

    @Override
    default List<String> scriptParameters(long requestId) {
        return List.of(Long.toString(limit()), Long.toString(window().toMillis()));
    }

    @Override
    default long quota() {
        return limit();
    }

    @Override
    default long windowSeconds() {
        return Math.max(1, (window().toMillis() + 999) / 1000);
    }

    /** The limit one of {@code instances} gateways may admit on its own, never less than one unit. */
    default long share(int instances) {
        return Math.max(1, limit() / instances);
    }

    static void check(String name, long limit, Duration window) {
        if (limit < 1 || window == null || window.toMillis() < 1 || window.toMillis() > MAX_WINDOW_MILLIS) {
            throw new IllegalArgumentException("window limit '" + name + "': limit must be >= 1 and window in [1ms, "
                    + MAX_WINDOW_MILLIS + "ms], was " + limit + " per " + window);
        }
    }
}
