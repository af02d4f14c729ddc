package io.limitguard.gateway.limit;

import java.time.Duration;
import java.util.List;

/**
 * Sliding-window counter ({@code lua/sliding_window.lua}): at most {@code limit} units in any
 * {@code window}, estimated from the current and the weighted previous fixed window.
 */
public record SlidingWindowLimit(String name, long limit, Duration window) implements LimitSpec {

    public static final String ALGORITHM = "sliding-window";

    public SlidingWindowLimit {
        WindowLimits.check(name, limit, window);
    }

    @Override
    public String algorithm() {
        return ALGORITHM;
    }

    @Override
    public List<String> scriptParameters(long requestId) {
        return List.of(Long.toString(limit), Long.toString(window.toMillis()));
    }

    @Override
    public long quota() {
        return limit;
    }

    @Override
    public long windowSeconds() {
        return WindowLimits.seconds(window);
    }

    @Override
    public SlidingWindowModel model(int instances) {
        return new SlidingWindowModel(Math.max(1, limit / instances), window.toMillis());
    }
}
