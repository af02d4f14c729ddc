package io.limitguard.gateway.limit;

/**
 * The GCRA of {@code lua/gcra.lua} in Java, operation for operation: one theoretical arrival time
 * (TAT) per key, a whole-microsecond emission interval, every number an integer held in a double
 * exactly as Lua holds it.
 */
public final class GcraModel implements LimitModel<GcraModel.Check> {

    private final double burst;
    private final double interval;
    private boolean present;
    private double tat;

    public GcraModel(double ratePerSecond, long burst) {
        this.burst = burst;
        this.interval = interval(ratePerSecond);
    }

    /**
     * The emission interval in whole microseconds, as the script rounds it: up, so that the rate enforced
     * is never above the configured one ({@code 1e6 / interval} requests per second).
     */
    static double interval(double ratePerSecond) {
        double interval = Math.ceil(1000000 / ratePerSecond);
        return interval < 1 ? 1 : interval;
    }

    @Override
    public Check check(long nowMicros, long cost, long requestId) {
        double now = nowMicros;
        double current = present ? tat : now;
        if (current < now) {
            current = now;
        }
        double next = current + cost * interval;
        return new Check(next - now <= burst * interval, now, current, next);
    }

    @Override
    public void commit(Check check) {
        present = true;
        tat = check.newTat();
    }

    @Override
    public LimitVerdict report(Check check, boolean committed) {
        double at = committed ? check.newTat() : check.tat();
        double ahead = at - check.now();
        double remaining = Math.floor((burst * interval - ahead) / interval);
        if (remaining < 0) {
            remaining = 0;
        }
        double next = 0;
        if (ahead > 0) {
            next = ahead - (burst - remaining - 1) * interval;
            if (next < 1) {
                next = 1;
            }
        }
        double retry = 0;
        if (!check.allowed()) {
            retry = check.newTat() - burst * interval - check.now();
        }
        return new LimitVerdict(check.allowed(), (long) remaining, (long) next, (long) retry);
    }

    /** Phase 1: the TAT before ({@code max(stored, now)}) and after this request. */
    public record Check(boolean allowed, double now, double tat, double newTat) implements LimitModel.Check {
    }
}
