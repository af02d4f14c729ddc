package io.limitguard.gateway.limit;

/**
 * The token bucket of {@code lua/token_bucket.lua} in Java, operation for operation (same doubles,
 * same order, same rounding), so that the script and this model give identical answers for the
 * same sequence of (time, cost). It is the reference in the differential test and the in-process
 * limiter of the {@code local} failure mode. Not thread-safe: callers serialise access.
 */
public final class TokenBucketModel implements LimitModel<TokenBucketModel.Check> {

    private final double capacity;
    private final double rate;
    private boolean present;
    private double tokens;
    private double updatedMicros;

    public TokenBucketModel(long capacity, double refillPerSecond) {
        this.capacity = capacity;
        this.rate = refillPerSecond;
    }

    /** Phase 1: what the bucket holds at {@code nowMicros} and whether {@code cost} fits. Changes nothing. */
    public Check check(long nowMicros, long cost) {
        double now = nowMicros;
        double current = present ? tokens : capacity;
        double since = present ? updatedMicros : now;
        double elapsed = now - since;
        if (elapsed < 0) {
            elapsed = 0;
        }
        current = current + elapsed * rate / 1000000;
        if (current > capacity) {
            current = capacity;
        }
        return new Check(current >= cost, current, current - cost, now, cost);
    }

    @Override
    public Check check(long nowMicros, long cost, long requestId) {
        return check(nowMicros, cost);
    }

    /** Phase 2: charge a check that passed (only when every limit of the call passed). */
    @Override
    public void commit(Check check) {
        present = true;
        tokens = check.after();
        updatedMicros = check.now();
    }

    /** The verdict the script reports for this limit, {@code committed} telling whether the call charged. */
    @Override
    public LimitVerdict report(Check check, boolean committed) {
        double left = committed ? check.after() : check.tokens();
        double remaining = Math.floor(left);
        double next = 0;
        if (left < capacity) {
            next = Math.ceil((remaining + 1 - left) * 1000000 / rate);
        }
        double retry = 0;
        if (!check.allowed()) {
            retry = Math.ceil((check.cost() - check.tokens()) * 1000000 / rate);
        }
        return new LimitVerdict(check.allowed(), (long) remaining, (long) next, (long) retry);
    }

    /** The outcome of phase 1 for one limit. */
    public record Check(boolean allowed, double tokens, double after, double now, long cost)
            implements LimitModel.Check {
    }
}
