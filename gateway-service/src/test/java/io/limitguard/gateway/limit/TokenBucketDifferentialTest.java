package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Drives the real {@code lua/token_bucket.lua} (inside the real driver, in a real Redis) and
 * {@link TokenBucketModel} with the same random sequences of (time, cost) over rules of one to
 * three limits, and requires identical answers for every call (see {@link ScriptDifferential}).
 * Rates stay at or below 1 token/s so that every PEXPIRE is at least a second of real time.
 */
class TokenBucketDifferentialTest {

    private static final long SEED = Long.getLong("differential.seed", 20261129L);
    @AutoClose
    private static final ScriptDifferential differential = new ScriptDifferential();

    @Test
    void scriptAndModelAgreeOnRandomSequences() {
        ScriptDifferential.Stats stats = differential.run("diff", SEED, 120, 150, TokenBucketDifferentialTest::limits);
        assertThat(stats.calls()).isEqualTo(120 * 150);
        assertThat(stats.rejected()).isGreaterThan(stats.calls() / 10);
        assertThat(stats.partial()).isGreaterThan(100);
    }

    @Test
    void batchOfRequestsOnTheSameBucketsAgreesWithTheModelRequestByRequest() {
        ScriptDifferential.Stats stats = differential.run("diff-batch", SEED + 1, 60, 100, TokenBucketDifferentialTest::limits,
                false, 8);
        assertThat(stats.calls()).isGreaterThan(60 * 100 * 3);
        assertThat(stats.rejected()).isGreaterThan(stats.calls() / 10);
        assertThat(stats.partial()).isGreaterThan(100);
    }

    private static List<LimitSpec> limits(Random random) {
        int count = 1 + random.nextInt(3);
        List<LimitSpec> limits = new ArrayList<>();
        for (int l = 0; l < count; l++) {
            long capacity = 1 + random.nextInt(random.nextBoolean() ? 5 : 200);
            double rate = random.nextBoolean() ? 0.01 + random.nextDouble() * 0.99 : 1.0 / (1 + random.nextInt(50));
            limits.add(new TokenBucketLimit("l" + l, capacity, rate));
        }
        return limits;
    }
}
