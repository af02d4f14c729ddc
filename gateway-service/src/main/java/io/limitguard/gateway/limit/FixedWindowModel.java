package io.limitguard.gateway.limit;

/** The fixed window of {@code lua/fixed_window.lua} in Java, operation for operation. */
public final class FixedWindowModel implements LimitModel<FixedWindowModel.Check> {

    private final double limit;
    private final double windowMicros;
    private boolean present;
    private double storedStart;
    private double storedCount;

    public FixedWindowModel(long limit, long windowMillis) {
        this.limit = limit;
        this.windowMicros = windowMillis * 1000.0;
    }

    /** Start of the window holding {@code now}: windows are aligned to multiples of their length since the epoch. */
    static double windowStart(double now, double windowMicros) {
        double start = Math.floor(now / windowMicros) * windowMicros;
        return start > now ? start - windowMicros : start;
    }

    /**
     * The window a limit counts in ({@code lg_window_current}): the one holding {@code now}, or the stored one
     * when it starts later (the clock stepped back: reading it as empty would hand out its limit again).
     */
    static double currentWindow(double now, double windowMicros, boolean present, double storedStart) {
        double start = windowStart(now, windowMicros);
        return present && storedStart > start ? storedStart : start;
    }

    @Override
    public Check check(long nowMicros, long cost, long requestId) {
        double now = nowMicros;
        double start = currentWindow(now, windowMicros, present, storedStart);
        double count = present && storedStart == start ? storedCount : 0;
        return new Check(count + cost <= limit, now, start, count, cost);
    }

    @Override
    public void commit(Check check) {
        present = true;
        storedStart = check.start();
        storedCount = check.count() + check.cost();
    }

    @Override
    public LimitVerdict report(Check check, boolean committed) {
        double used = committed ? check.count() + check.cost() : check.count();
        double remaining = Math.max(0, limit - used);
        double toEnd = check.start() + windowMicros - check.now();
        return new LimitVerdict(check.allowed(), (long) remaining, used > 0 ? (long) toEnd : 0,
                check.allowed() ? 0 : (long) toEnd);
    }

    /** Phase 1: the current window and what it has counted so far. */
    public record Check(boolean allowed, double now, double start, double count, long cost) implements LimitModel.Check {
    }
}
