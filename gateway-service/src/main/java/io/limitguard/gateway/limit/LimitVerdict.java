package io.limitguard.gateway.limit;

/**
 * The script's answer for one limit.
 *
 * @param allowed          this limit had room for the request
 * @param remaining        whole units left after the call (not charged when any limit of the call rejected)
 * @param nextMicros       microseconds until the next unit is added (0 when full)
 * @param retryAfterMicros microseconds until this limit could admit the request (0 when allowed)
 */
public record LimitVerdict(boolean allowed, long remaining, long nextMicros, long retryAfterMicros) {

    /**
     * A limit that was not asked: on a Redis Cluster, an enforced limit in a later slot than the one that
     * rejected the request. Compared by identity ({@link #asked()}).
     */
    public static final LimitVerdict NOT_ASKED = new LimitVerdict(true, -1, 0, 0);

    /** False for {@link #NOT_ASKED}. */
    public boolean asked() {
        return this != NOT_ASKED;
    }

    /** {@link #nextMicros} rounded up to whole seconds, as {@code t} in the {@code RateLimit} header. */
    public long nextSeconds() {
        return ceilSeconds(nextMicros);
    }

    /** {@link #retryAfterMicros} rounded up to whole seconds, as in {@code Retry-After}. */
    public long retryAfterSeconds() {
        return ceilSeconds(retryAfterMicros);
    }

    private static long ceilSeconds(long micros) {
        return micros <= 0 ? 0 : (micros + 999_999) / 1_000_000;
    }
}
