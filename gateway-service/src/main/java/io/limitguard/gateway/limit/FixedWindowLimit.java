package io.limitguard.gateway.limit;

import java.time.Duration;
import java.util.List;

/** Fixed window ({@code lua/fixed_window.lua}): at most {@code limit} units per {@code window}, aligned to the epoch. */
public record FixedWindowLimit(String name, long limit, Duration window) implements LimitSpec {

    public static final String ALGORITHM = "fixed-window";

    public FixedWindowLimit {
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
    public FixedWindowModel model(int instances) {
        return new FixedWindowModel(Math.max(1, limit / instances), window.toMillis());
    }
}
