package io.limitguard.gateway.limit;

import java.util.List;

/**
 * GCRA ({@code lua/gcra.lua}): {@code ratePerSecond} sustained, up to {@code burst} at once. One
 * stored value per key. Its window is the time to recover a full burst.
 */
public record GcraLimit(String name, double ratePerSecond, long burst) implements LimitSpec {

    public static final String ALGORITHM = "gcra";

    public GcraLimit {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond) || burst < 1) {
            throw new IllegalArgumentException("gcra '" + name + "': rate-per-second must be > 0 and burst >= 1");
        }
    }

    @Override
    public String algorithm() {
        return ALGORITHM;
    }

    @Override
    public List<String> scriptParameters(long requestId) {
        return List.of(Double.toString(ratePerSecond), Long.toString(burst));
    }

    @Override
    public long quota() {
        return burst;
    }

    @Override
    public long windowSeconds() {
        return Math.max(1, (long) Math.ceil(burst * GcraModel.interval(ratePerSecond) / 1e6));
    }

    @Override
    public GcraModel model(int instances) {
        return new GcraModel(ratePerSecond / instances, Math.max(1, burst / instances));
    }
}
