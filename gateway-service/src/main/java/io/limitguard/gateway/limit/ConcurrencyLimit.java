package io.limitguard.gateway.limit;

import java.time.Duration;
import java.util.List;

/**
 * Concurrency limiter ({@code lua/concurrency.lua}): at most {@code maxInFlight} requests of one key
 * in flight. A request's slot is a lease named by its id, given back when its response ends; a
 * lease never given back (the gateway died) stops counting after {@code lease}.
 */
public record ConcurrencyLimit(String name, long maxInFlight, Duration lease) implements LimitSpec {

    public static final String ALGORITHM = "concurrency";
    public static final String UNIT = "concurrent-requests";
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

    public ConcurrencyLimit {
        if (maxInFlight < 1 || lease == null || lease.toMillis() < 1
                || lease.toMillis() > WindowLimit.MAX_WINDOW_MILLIS) {
            throw new IllegalArgumentException("concurrency '" + name + "': max-in-flight must be >= 1 and lease >= 1ms");
        }
    }

    @Override
    public String algorithm() {
        return ALGORITHM;
    }

    @Override
    public List<String> scriptParameters(long requestId) {
        return List.of(Long.toString(maxInFlight), Long.toString(lease.toMillis()), Long.toString(requestId));
    }

    @Override
    public long quota() {
        return maxInFlight;
    }

    @Override
    public long windowSeconds() {
        return 0;
    }

    @Override
    public String quotaUnit() {
        return UNIT;
    }

    @Override
    public boolean heldUntilResponseEnds() {
        return true;
    }

    @Override
    public ConcurrencyModel model(int instances) {
        return new ConcurrencyModel(Math.max(1, maxInFlight / instances), lease.toMillis());
    }
}
