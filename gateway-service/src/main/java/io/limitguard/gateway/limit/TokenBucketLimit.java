package io.limitguard.gateway.limit;

import java.util.List;

/**
 * A token bucket ({@code lua/token_bucket.lua}): {@code capacity} tokens, refilled at
 * {@code refillPerSecond}. Its window is the time to refill an empty bucket.
 */
public record TokenBucketLimit(String name, long capacity, double refillPerSecond) implements LimitSpec {

    public static final String ALGORITHM = "token-bucket";

    public TokenBucketLimit {
        if (capacity <= 0 || !(refillPerSecond > 0) || Double.isInfinite(refillPerSecond)) {
            throw new IllegalArgumentException("token bucket '" + name + "': capacity and refill-per-second must be > 0");
        }
    }

    @Override
    public String algorithm() {
        return ALGORITHM;
    }

    @Override
    public List<String> scriptParameters(long requestId) {
        // Double.toString round-trips exactly through Lua's tonumber (strtod).
        return List.of(Long.toString(capacity), Double.toString(refillPerSecond));
    }

    @Override
    public long quota() {
        return capacity;
    }

    @Override
    public long windowSeconds() {
        return Math.max(1, (long) Math.ceil(capacity / refillPerSecond));
    }

    @Override
    public TokenBucketModel model(int instances) {
        return new TokenBucketModel(Math.max(1, capacity / instances), refillPerSecond / instances);
    }
}
