package io.limitguard.gateway.limit;

import java.time.Duration;

/** Fixed window ({@code lua/fixed_window.lua}): at most {@code limit} units per {@code window}, aligned to the epoch. */
public record FixedWindowLimit(String name, long limit, Duration window) implements WindowLimit {

    public static final String ALGORITHM = "fixed-window";

    public FixedWindowLimit {
        WindowLimit.check(name, limit, window);
    }

    @Override
    public String algorithm() {
        return ALGORITHM;
    }

    @Override
    public FixedWindowModel model(int instances) {
        return new FixedWindowModel(share(instances), window.toMillis());
    }
}
