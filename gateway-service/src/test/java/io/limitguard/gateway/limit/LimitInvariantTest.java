package io.limitguard.gateway.limit;

import static io.limitguard.gateway.limit.ClockedEngine.BASE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * What no sequence of calls may do, script and model alike: admit more than the limit. The differential
 * tests prove that script and model agree; these prove that what they agree on is a limit, at the edges
 * the random sequences rarely reach: the Redis clock stepping back across a window boundary (a replica
 * with an earlier clock promoted, a host clock set back), rates whose emission interval is only a few
 * microseconds, and a concurrency lease made shorter while longer ones are held.
 */
class LimitInvariantTest {

    /** The start of the window the clock steps back across; BASE is a multiple of every window below. */
    private static final long WINDOW_START = BASE + 10_000_000;
    @AutoClose
    private static final ClockedEngine clocked = new ClockedEngine();

    @Test
    void aFixedWindowGrantsNothingMoreWhenTheClockStepsBackAcrossItsStart() {
        FixedWindowLimit limit = new FixedWindowLimit("fw", 5, Duration.ofSeconds(1));
        String key = assertClockStepBackGrantsNothingMore(limit);
        // and the limit comes back when the window the charges were counted in is over
        assertThat(admitted(key, limit, WINDOW_START + 1_000_000, 5)).isEqualTo(5);
    }

    @Test
    void aSlidingWindowGrantsNothingMoreWhenTheClockStepsBackAcrossAWindowStart() {
        assertClockStepBackGrantsNothingMore(new SlidingWindowLimit("sw", 5, Duration.ofSeconds(1)));
    }

    @Test
    void aGcraNeverAdmitsFasterThanItsRate() {
        // 700,000/s: 1.43 µs per unit. Rounded to the nearest whole µs the interval was 1 µs: 1,000,000/s.
        // Requests of 70,000 units (0.1 s of the rate) every 10 ms for 10 s: at most the burst and 10 s of the
        // rate, 110 of them. (Large costs keep the key's expiry far above the test's real duration: Redis
        // expires keys on the real clock, the script's clock is the test's.)
        GcraLimit limit = new GcraLimit("g", 700_000, 700_000);
        String key = clocked.freshKey(limit);
        GcraModel model = limit.model(1);
        int admitted = 0;
        int local = 0;
        for (long step = 0; step < 1_000; step++) {
            long now = BASE + step * 10_000;
            admitted += clocked.evaluate(List.of(new LimitCall(key, limit, 70_000, 1)), now).allowed() ? 1 : 0;
            local += LimitModel.evaluate(List.of(model), now, 70_000, 1).allowed() ? 1 : 0;
        }
        assertThat(admitted).isLessThanOrEqualTo(110);
        // the model (the local failure mode) agrees
        assertThat(local).isEqualTo(admitted);
    }

    @Test
    void aGcraAdvertisesTheRateItEnforces() {
        // 3/s: 333,333.3 µs per request; a whole-µs interval may only round up
        assertThat(GcraModel.interval(3)).isEqualTo(333_334);
        assertThat(GcraModel.interval(4)).isEqualTo(250_000);
        assertThat(GcraModel.interval(0.001)).isEqualTo(1e9);
        assertThat(GcraModel.interval(1e6)).isEqualTo(1);
        assertThat(GcraModel.interval(5e6)).isEqualTo(1);
    }

    @Test
    void aShorterLeaseDoesNotEndTheLongerLeasesOfRequestsInFlight() throws InterruptedException {
        // max 2 in flight; request 101 holds a 60 s lease; then the rule's lease is cut to 50 ms (admin API)
        ConcurrencyLimit long60s = new ConcurrencyLimit("cc", 2, Duration.ofSeconds(60));
        ConcurrencyLimit short50ms = new ConcurrencyLimit("cc", 2, Duration.ofMillis(50));
        String key = clocked.freshKey(long60s);
        assertThat(take(key, long60s, BASE, 101)).isTrue();
        assertThat(take(key, short50ms, BASE, 102)).isTrue();
        Thread.sleep(150); // Redis expires keys on the real clock
        // 102's lease is over, 101's is not: one slot is free, not two
        assertThat(take(key, short50ms, BASE + 150_000, 103)).isTrue();
        assertThat(take(key, short50ms, BASE + 150_000, 104)).as("a third request in flight").isFalse();
    }

    /**
     * Fills {@code limit} (5 per second) just inside a window, then steps the clock back 2 ms across the
     * window's start (a failover to a replica whose clock is 2 ms behind) and lets it run on: nothing more is
     * granted, before the window or back in it. The model answers the same sequence as the script. Returns
     * the filled key.
     */
    private static String assertClockStepBackGrantsNothingMore(LimitSpec limit) {
        String key = clocked.freshKey(limit);
        assertThat(admitted(key, limit, WINDOW_START + 1_000, 5)).isEqualTo(5);
        assertThat(admitted(key, limit, WINDOW_START - 1_000, 5)).as("2 ms before the window, after the step").isZero();
        assertThat(admitted(key, limit, WINDOW_START + 2_000, 5)).as("back in the window").isZero();
        assertSameAsModel(limit);
        return key;
    }

    private static boolean take(String key, ConcurrencyLimit limit, long now, long requestId) {
        return clocked.evaluate(List.of(new LimitCall(key, limit, 1, requestId)), now).allowed();
    }

    /** How many of {@code calls} requests of cost 1 at {@code now} one key admits. */
    private static int admitted(String key, LimitSpec limit, long now, int calls) {
        int admitted = 0;
        for (int i = 0; i < calls; i++) {
            admitted += clocked.evaluate(List.of(new LimitCall(key, limit, 1, 1)), now).allowed() ? 1 : 0;
        }
        return admitted;
    }

    /** The model answers the same sequence as the script did in the window tests (on a key of its own). */
    private static void assertSameAsModel(LimitSpec limit) {
        String key = clocked.freshKey(limit);
        LimitModel<?> model = limit.model(1);
        long[] times = {WINDOW_START + 1_000, WINDOW_START - 1_000, WINDOW_START + 2_000, WINDOW_START + 1_000_000};
        for (long now : times) {
            for (int i = 0; i < 5; i++) {
                Evaluation script = clocked.evaluate(List.of(new LimitCall(key, limit, 1, 1)), now);
                assertThat(script).as("%s at %d", limit, now).isEqualTo(LimitModel.evaluate(List.of(model), now, 1, 1));
            }
        }
    }
}
