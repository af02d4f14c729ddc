package io.limitguard.events;

/**
 * Decisions counted by outcome. Immutable; {@link #plus} returns a new instance.
 *
 * <p>{@link #blockRate()} is the share of decisions that turned the client away
 * ({@link Outcome#rejected()}); shadow blocks are counted but not part of the rate.
 */
public record OutcomeCounts(
        long allowed,
        long blocked,
        long shadowBlocked,
        long failedOpen,
        long failedClosed,
        long localAllowed,
        long localBlocked) {

    public static final OutcomeCounts ZERO = new OutcomeCounts(0, 0, 0, 0, 0, 0, 0);

    public static OutcomeCounts of(Outcome outcome) {
        return ZERO.plus(outcome, 1);
    }

    public OutcomeCounts plus(Outcome outcome, long n) {
        return switch (outcome) {
            case ALLOWED -> new OutcomeCounts(allowed + n, blocked, shadowBlocked, failedOpen, failedClosed, localAllowed, localBlocked);
            case BLOCKED -> new OutcomeCounts(allowed, blocked + n, shadowBlocked, failedOpen, failedClosed, localAllowed, localBlocked);
            case SHADOW_BLOCKED -> new OutcomeCounts(allowed, blocked, shadowBlocked + n, failedOpen, failedClosed, localAllowed, localBlocked);
            case FAILED_OPEN -> new OutcomeCounts(allowed, blocked, shadowBlocked, failedOpen + n, failedClosed, localAllowed, localBlocked);
            case FAILED_CLOSED -> new OutcomeCounts(allowed, blocked, shadowBlocked, failedOpen, failedClosed + n, localAllowed, localBlocked);
            case LOCAL_ALLOWED -> new OutcomeCounts(allowed, blocked, shadowBlocked, failedOpen, failedClosed, localAllowed + n, localBlocked);
            case LOCAL_BLOCKED -> new OutcomeCounts(allowed, blocked, shadowBlocked, failedOpen, failedClosed, localAllowed, localBlocked + n);
        };
    }

    public OutcomeCounts plus(OutcomeCounts o) {
        return new OutcomeCounts(allowed + o.allowed, blocked + o.blocked, shadowBlocked + o.shadowBlocked,
                failedOpen + o.failedOpen, failedClosed + o.failedClosed, localAllowed + o.localAllowed,
                localBlocked + o.localBlocked);
    }

    public long total() {
        return allowed + blocked + shadowBlocked + failedOpen + failedClosed + localAllowed + localBlocked;
    }

    public long rejected() {
        return blocked + failedClosed + localBlocked;
    }

    /** Rejected / total, 0 when there was no traffic. */
    public double blockRate() {
        long total = total();
        return total == 0 ? 0.0 : (double) rejected() / total;
    }
}
