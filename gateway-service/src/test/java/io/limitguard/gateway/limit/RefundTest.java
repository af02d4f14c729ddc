package io.limitguard.gateway.limit;

import static io.limitguard.gateway.limit.ClockedEngine.BASE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The driver's refund mode, per algorithm, with the test clock: a key that was charged and refunded
 * answers a later request exactly like a twin key that was never charged (refunded at once), and never
 * more generously than it (refunded later, after other requests).
 */
class RefundTest {

    @AutoClose
    private static final ClockedEngine clocked = new ClockedEngine();

    @Test
    void aRefundAtOnceLeavesEveryAlgorithmAsIfNeverCharged() {
        for (LimitSpec limit : List.of(new TokenBucketLimit("tb", 10, 2), new GcraLimit("gcra", 5, 10),
                new FixedWindowLimit("fw", 10, Duration.ofSeconds(10)), new SlidingWindowLimit("sw", 10, Duration.ofSeconds(10)),
                new ConcurrencyLimit("cc", 10, Duration.ofSeconds(60)))) {
            Twins twins = new Twins(limit);
            twins.both(BASE + 1_000_000, 2);
            twins.both(BASE + 1_500_000, 1);
            long chargedAt = twins.chargeRefunded(BASE + 2_000_000, 3);
            twins.refund(chargedAt, chargedAt, 3);
            assertSameAnswer(limit.name(), twins.probe(BASE + 2_500_000, 1), twins.probeTwin(BASE + 2_500_000, 1));
        }
    }

    @Test
    void aLaterRefundIsNeverMoreGenerousThanNoCharge() {
        for (LimitSpec limit : List.of(new TokenBucketLimit("tb", 10, 50), new GcraLimit("gcra", 50, 10))) {
            Twins twins = new Twins(limit);
            twins.both(BASE + 1_000_000, 8); // nearly empty, refilling fast
            long chargedAt = twins.chargeRefunded(BASE + 1_010_000, 1);
            twins.both(BASE + 1_030_000, 1); // a concurrent request sees the charge
            twins.refund(BASE + 1_050_000, chargedAt, 1);
            Evaluation refunded = twins.probe(BASE + 1_060_000, 0);
            Evaluation never = twins.probeTwin(BASE + 1_060_000, 0);
            long mine = refunded.verdicts().get(0).remaining();
            long theirs = never.verdicts().get(0).remaining();
            assertThat(mine).as(limit.name()).isLessThanOrEqualTo(theirs).isGreaterThanOrEqualTo(theirs - 3);
        }
    }

    @Test
    void windowRefundsFollowTheChargedWindow() {
        // sliding: a request in the next window moved the charged count to "previous": refunded there
        Twins sliding = new Twins(new SlidingWindowLimit("sw", 10, Duration.ofSeconds(10)));
        long chargedAt = sliding.chargeRefunded(BASE + 9_000_000, 4);
        sliding.both(BASE + 10_500_000, 1);
        sliding.refund(BASE + 10_600_000, chargedAt, 4);
        assertSameAnswer("sliding", sliding.probe(BASE + 11_000_000, 1), sliding.probeTwin(BASE + 11_000_000, 1));

        // fixed: the charged window is over; nothing to give back, and the current window is untouched
        Twins fixed = new Twins(new FixedWindowLimit("fw", 10, Duration.ofSeconds(10)));
        chargedAt = fixed.chargeRefunded(BASE + 9_000_000, 4);
        fixed.both(BASE + 10_500_000, 3);
        fixed.refund(BASE + 10_600_000, chargedAt, 4);
        assertSameAnswer("fixed", fixed.probe(BASE + 11_000_000, 1), fixed.probeTwin(BASE + 11_000_000, 1));
        assertThat(fixed.probe(BASE + 11_000_001, 0).verdicts().get(0).remaining()).isEqualTo(6);
    }

    @Test
    void aConcurrencyRefundGivesTheSlotBack() {
        Twins twins = new Twins(new ConcurrencyLimit("cc", 2, Duration.ofSeconds(60)));
        twins.both(BASE + 1_000_000, 1);
        long chargedAt = twins.chargeRefunded(BASE + 2_000_000, 1);
        assertThat(clocked.sync().zcard(twins.refunded)).isEqualTo(2);
        twins.refund(BASE + 2_000_100, chargedAt, 1);
        assertThat(clocked.sync().zcard(twins.refunded)).isEqualTo(1);
    }

    /**
     * The same verdict; times may differ by a microsecond, because a refunded token bucket stores the same
     * number of tokens reached by another sum of doubles.
     */
    private static void assertSameAnswer(String what, Evaluation refunded, Evaluation never) {
        assertThat(refunded.allowed()).as(what).isEqualTo(never.allowed());
        LimitVerdict mine = refunded.verdicts().get(0);
        LimitVerdict theirs = never.verdicts().get(0);
        assertThat(mine.allowed()).as(what).isEqualTo(theirs.allowed());
        assertThat(mine.remaining()).as(what).isEqualTo(theirs.remaining());
        assertThat(mine.nextMicros()).as(what).isCloseTo(theirs.nextMicros(), org.assertj.core.data.Offset.offset(1L));
        assertThat(mine.retryAfterMicros()).as(what).isCloseTo(theirs.retryAfterMicros(), org.assertj.core.data.Offset.offset(1L));
    }

    /** Two keys with the same history, except that one was charged and refunded. */
    private final class Twins {
        final LimitSpec limit;
        final String refunded;
        final String twin;
        long requestId = 1000;

        Twins(LimitSpec limit) {
            this.limit = limit;
            this.refunded = clocked.freshKey(limit);
            this.twin = clocked.freshKey(limit);
        }

        void both(long now, long cost) {
            long id = requestId++;
            call(refunded, now, cost, id);
            call(twin, now, cost, id);
        }

        long chargeRefunded(long now, long cost) {
            LimitEngine.ScriptReply reply = call(refunded, now, cost, requestId++);
            assertThat(reply.evaluation().allowed()).isTrue();
            return reply.nowMicros();
        }

        void refund(long now, long chargedAt, long cost) {
            clocked.refund(List.of(new LimitCall(refunded, limit, cost, requestId - 1)), chargedAt, now);
        }

        Evaluation probe(long now, long cost) {
            return call(refunded, now, cost, 1).evaluation();
        }

        Evaluation probeTwin(long now, long cost) {
            return call(twin, now, cost, 1).evaluation();
        }

        private LimitEngine.ScriptReply call(String key, long now, long cost, long id) {
            return clocked.callWithNow(List.of(new LimitCall(key, limit, cost, id)), now);
        }
    }
}
