package io.limitguard.gateway.limit;

/** The sliding-window counter of {@code lua/sliding_window.lua} in Java, operation for operation. */
public final class SlidingWindowModel implements LimitModel<SlidingWindowModel.Check> {

    private final double limit;
    private final double windowMicros;
    private boolean present;
    private double storedStart;
    private double storedCurrent;
    private double storedPrevious;

    public SlidingWindowModel(long limit, long windowMillis) {
        this.limit = limit;
        this.windowMicros = windowMillis * 1000.0;
    }

    @Override
    public Check check(long nowMicros, long cost, long requestId) {
        double now = nowMicros;
        double start = FixedWindowModel.currentWindow(now, windowMicros, present, storedStart);
        double current = 0;
        double previous = 0;
        if (present && storedStart == start) {
            current = storedCurrent;
            previous = storedPrevious;
        } else if (present && storedStart == start - windowMicros) {
            previous = storedCurrent;
        }
        // negative only when the clock stepped back before the stored window: the previous count weighs fully
        double elapsed = now - start;
        double counted = elapsed < 0 ? 0 : elapsed;
        double estimate = previous * (windowMicros - counted) / windowMicros + current;
        return new Check(estimate + cost <= limit, start, elapsed, counted, current, previous, estimate, cost);
    }

    @Override
    public void commit(Check check) {
        present = true;
        storedStart = check.start();
        storedCurrent = check.current() + check.cost();
        storedPrevious = check.previous();
    }

    @Override
    public LimitVerdict report(Check check, boolean committed) {
        double current = check.current();
        double estimate = check.estimate();
        if (committed) {
            current = current + check.cost();
            estimate = check.previous() * (windowMicros - check.counted()) / windowMicros + current;
        }
        double remaining = Math.floor(limit - estimate);
        if (remaining < 0) {
            remaining = 0;
        }
        double next = 0;
        if (estimate > 0 && remaining < limit) {
            next = waitUntil(check, current, estimate, limit - remaining - 1);
        }
        double retry = 0;
        if (!check.allowed()) {
            retry = waitUntil(check, current, estimate, limit - check.cost());
        }
        return new LimitVerdict(check.allowed(), (long) remaining, (long) next, (long) retry);
    }

    /** Microseconds until the estimate falls to {@code target} (>= 0) without new requests. */
    private double waitUntil(Check check, double current, double estimate, double target) {
        if (estimate <= target) {
            return 0;
        }
        double wait;
        if (check.previous() > 0 && current <= target) {
            wait = windowMicros * (1 - (target - current) / check.previous()) - check.elapsed();
        } else {
            wait = windowMicros - check.elapsed() + windowMicros * (1 - target / current);
        }
        wait = Math.ceil(wait);
        return wait < 1 ? 1 : wait;
    }

    /**
     * Phase 1: the current window, the time since its start ({@code elapsed}, negative before it) and the part
     * of it that weighs down the previous count ({@code counted}, at least 0), the two counts and the weighted
     * estimate.
     */
    public record Check(boolean allowed, double start, double elapsed, double counted, double current,
            double previous, double estimate, long cost) implements LimitModel.Check {
    }
}
