package io.limitguard.gateway.limit;

import java.time.Duration;

/**
 * Sliding-window counter ({@code lua/sliding_window.lua}): at most {@code limit} units in any
 * {@code window}, estimated from the current and the weighted previous fixed window.
 */
public record SlidingWindowLimit(String name, long limit, Duration window) implements WindowLimit {

    public static final String ALGORITHM = "sliding-window";

    public SlidingWindowLimit {
        WindowLimit.check(name, limit, window);
    }

    @Override
    public String algorithm() {
        return ALGORITHM;
    }

    @Override
    public SlidingWindowModel model(int instances) {
        return new SlidingWindowModel(share(instances), window.toMillis());
    }
}
