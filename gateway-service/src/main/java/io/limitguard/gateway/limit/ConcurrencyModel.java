package io.limitguard.gateway.limit;

import java.util.HashMap;
import java.util.Map;

/**
 * The concurrency limiter of {@code lua/concurrency.lua} in Java: leases by request id with an
 * expiry, at most {@code max} unexpired at once; one slot per request whatever its cost.
 */
public final class ConcurrencyModel implements LimitModel<ConcurrencyModel.Check> {

    private final long max;
    private final long leaseMicros;
    private final Map<Long, Long> leases = new HashMap<>();

    public ConcurrencyModel(long maxInFlight, long leaseMillis) {
        this.max = maxInFlight;
        this.leaseMicros = leaseMillis * 1000;
    }

    @Override
    public Check check(long nowMicros, long cost, long requestId) {
        long active = leases.values().stream().filter(expiry -> expiry > nowMicros).count();
        return new Check(active + 1 <= max, nowMicros, active, requestId);
    }

    @Override
    public void commit(Check check) {
        leases.values().removeIf(expiry -> expiry <= check.now());
        leases.put(check.requestId(), check.now() + leaseMicros);
    }

    @Override
    public LimitVerdict report(Check check, boolean committed) {
        long active = committed ? check.active() + 1 : check.active();
        return new LimitVerdict(check.allowed(), Math.max(0, max - active), 0, check.allowed() ? 0 : 1_000_000);
    }

    @Override
    public void release(long requestId) {
        leases.remove(requestId);
    }

    /** Phase 1: the unexpired leases at {@code now}. */
    public record Check(boolean allowed, long now, long active, long requestId) implements LimitModel.Check {
    }
}
