package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What no sequence of calls may do, script and model alike: admit more than the limit. The differential
 * tests prove that script and model agree; these prove that what they agree on is a limit, at the edges
 * the random sequences rarely reach: the Redis clock stepping back across a window boundary (a replica
 * with an earlier clock promoted, a host clock set back), rates whose emission interval is only a few
 * microseconds, and a concurrency lease made shorter while longer ones are held.
 */
class LimitInvariantTest {

    /** A multiple of every window below, so windows start at BASE. */
    private static final long BASE = 1_800_000_000_000_000L;
    private static EngineOnRedis redis;
    private static LimitEngine engine;
    private static final AtomicInteger keys = new AtomicInteger();

    @BeforeAll
    static void start() {
        redis = EngineOnRedis.start(LimitScripts.withClock("lua-test/clock_argv.lua"));
        engine = redis.engine();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @Test
    void aFixedWindowGrantsNothingMoreWhenTheClockStepsBackAcrossItsStart() {
        FixedWindowLimit limit = new FixedWindowLimit("fw", 5, Duration.ofSeconds(1));
        String key = key(limit);
        long windowStart = BASE + 10_000_000;
        assertThat(admitted(key, limit, windowStart + 1_000, 5)).isEqualTo(5);
        // the clock steps back 2 ms (a failover to a replica whose clock is 2 ms behind), then runs on
        assertThat(admitted(key, limit, windowStart - 1_000, 5)).as("2 ms before the window, after the step").isZero();
        assertThat(admitted(key, limit, windowStart + 2_000, 5)).as("back in the window").isZero();
        // and the limit comes back when the window the charges were counted in is over
        assertThat(admitted(key, limit, windowStart + 1_000_000, 5)).isEqualTo(5);
        assertSameAsModel(limit, windowStart);
    }

    @Test
    void aSlidingWindowGrantsNothingMoreWhenTheClockStepsBackAcrossAWindowStart() {
        SlidingWindowLimit limit = new SlidingWindowLimit("sw", 5, Duration.ofSeconds(1));
        String key = key(limit);
        long windowStart = BASE + 10_000_000;
        assertThat(admitted(key, limit, windowStart + 1_000, 5)).isEqualTo(5);
        assertThat(admitted(key, limit, windowStart - 1_000, 5)).as("2 ms before the window, after the step").isZero();
        assertThat(admitted(key, limit, windowStart + 2_000, 5)).as("back in the window").isZero();
        assertSameAsModel(limit, windowStart);
    }

    @Test
    void aGcraNeverAdmitsFasterThanItsRate() {
        // 700,000/s: 1.43 µs per unit. Rounded to the nearest whole µs the interval was 1 µs: 1,000,000/s.
        // Requests of 70,000 units (0.1 s of the rate) every 10 ms for 10 s: at most the burst and 10 s of the
        // rate, 110 of them. (Large costs keep the key's expiry far above the test's real duration: Redis
        // expires keys on the real clock, the script's clock is the test's.)
        GcraLimit limit = new GcraLimit("g", 700_000, 700_000);
        String key = key(limit);
        GcraModel model = limit.model(1);
        int admitted = 0;
        int local = 0;
        for (long step = 0; step < 1_000; step++) {
            long now = BASE + step * 10_000;
            admitted += engine.evaluate(List.of(new LimitCall(key, limit, 70_000, 1)), List.of(Long.toString(now)))
                    .block(Duration.ofSeconds(5)).allowed() ? 1 : 0;
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
        String key = key(long60s);
        assertThat(take(key, long60s, BASE, 101)).isTrue();
        assertThat(take(key, short50ms, BASE, 102)).isTrue();
        Thread.sleep(150); // Redis expires keys on the real clock
        // 102's lease is over, 101's is not: one slot is free, not two
        assertThat(take(key, short50ms, BASE + 150_000, 103)).isTrue();
        assertThat(take(key, short50ms, BASE + 150_000, 104)).as("a third request in flight").isFalse();
    }

    private static boolean take(String key, ConcurrencyLimit limit, long now, long requestId) {
        return engine.evaluate(List.of(new LimitCall(key, limit, 1, requestId)), List.of(Long.toString(now)))
                .block(Duration.ofSeconds(5)).allowed();
    }

    /** How many of {@code calls} requests of cost 1 at {@code now} one key admits. */
    private static int admitted(String key, LimitSpec limit, long now, int calls) {
        int admitted = 0;
        for (int i = 0; i < calls; i++) {
            Evaluation evaluation = engine.evaluate(List.of(new LimitCall(key, limit, 1, 1)), List.of(Long.toString(now)))
                    .block(Duration.ofSeconds(5));
            admitted += evaluation.allowed() ? 1 : 0;
        }
        return admitted;
    }

    /** The model answers the same sequence as the script did in the window tests. */
    private static void assertSameAsModel(LimitSpec limit, long windowStart) {
        String key = key(limit);
        LimitModel<?> model = limit.model(1);
        long[] times = {windowStart + 1_000, windowStart - 1_000, windowStart + 2_000, windowStart + 1_000_000};
        for (long now : times) {
            for (int i = 0; i < 5; i++) {
                Evaluation script = engine.evaluate(List.of(new LimitCall(key, limit, 1, 1)), List.of(Long.toString(now)))
                        .block(Duration.ofSeconds(5));
                assertThat(script).as("%s at %d", limit, now).isEqualTo(LimitModel.evaluate(List.of(model), now, 1, 1));
            }
        }
    }

    private static String key(LimitSpec limit) {
        return "lg:{invariant:" + keys.incrementAndGet() + "}:" + limit.name();
    }
}
