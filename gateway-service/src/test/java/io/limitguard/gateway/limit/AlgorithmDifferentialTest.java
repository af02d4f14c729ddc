package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GCRA, fixed window, sliding window and concurrency: the real scripts (inside the real driver, in
 * a real Redis) against their Java reference models, call by call, alone, several of one kind in
 * one call, and all kinds mixed in one call (see {@link ScriptDifferential}).
 */
class AlgorithmDifferentialTest {

    private static final long SEED = Long.getLong("differential.seed", 20261129L);
    @AutoClose
    private static final ScriptDifferential differential = new ScriptDifferential();

    @Test
    void gcra() {
        ScriptDifferential.Stats stats = differential.run("gcra", SEED, 80, 150, upTo(3, AlgorithmDifferentialTest::gcra));
        assertExercised(stats);
    }

    @Test
    void fixedWindow() {
        ScriptDifferential.Stats stats = differential.run("fixed", SEED + 1, 80, 150,
                upTo(3, AlgorithmDifferentialTest::fixedWindow));
        assertExercised(stats);
    }

    @Test
    void slidingWindow() {
        ScriptDifferential.Stats stats = differential.run("sliding", SEED + 2, 80, 150,
                upTo(3, AlgorithmDifferentialTest::slidingWindow));
        assertExercised(stats);
    }

    @Test
    void concurrency() {
        ScriptDifferential.Stats stats = differential.run("conc", SEED + 3, 60, 150,
                upTo(2, AlgorithmDifferentialTest::concurrency));
        assertExercised(stats);
        assertThat(stats.releases()).isGreaterThan(1000);
    }

    @Test
    void everyAlgorithmMixedInOneCall() {
        ScriptDifferential.Stats stats = differential.run("mixed", SEED + 4, 80, 150, AlgorithmDifferentialTest::anyMix);
        assertExercised(stats);
    }

    @Test
    void groupsOfShadowRulesAreAllOrNothingOnTheirOwn() {
        ScriptDifferential.Stats stats = differential.run("groups", SEED + 5, 60, 150, AlgorithmDifferentialTest::anyMix, true, 1);
        assertThat(stats.rejected()).isGreaterThan(stats.calls() / 20);
        assertThat(stats.rejected()).isLessThan(stats.calls() * 9 / 10);
    }

    @ParameterizedTest(name = "shadow groups: {0}")
    @ValueSource(booleans = {false, true})
    void batchesDecideTheirRequestsOneAfterTheOtherEachAllOrNothing(boolean grouped) {
        // every algorithm, and up to 6 requests on the same keys in one script call
        ScriptDifferential.Stats stats = differential.run("batch" + grouped, SEED + 6, 40, 60,
                AlgorithmDifferentialTest::anyMix, grouped, 6);
        assertThat(stats.calls()).isGreaterThan(40 * 60 * 2);
        // several requests at one instant use the limits up faster than calls spread in time: fewer admissions
        assertThat(stats.rejected()).as("rejections in %s", stats).isGreaterThan(stats.calls() / 10);
        assertThat(stats.calls() - stats.rejected()).as("admissions in %s", stats).isGreaterThan(stats.calls() / 20);
        assertThat(stats.partial()).as("requests where one limit allowed and another rejected in %s", stats)
                .isGreaterThan(100);
    }

    private static void assertExercised(ScriptDifferential.Stats stats) {
        assertThat(stats.rejected()).as("rejections in %s", stats).isGreaterThan(stats.calls() / 10);
        assertThat(stats.rejected()).as("admissions in %s", stats).isLessThan(stats.calls() * 9 / 10);
        assertThat(stats.partial()).as("calls where one limit allowed and another rejected in %s", stats)
                .isGreaterThan(100);
    }

    /** Two to five limits of any algorithms. */
    private static List<LimitSpec> anyMix(Random random) {
        List<BiFunction<Random, String, LimitSpec>> kinds = List.of(AlgorithmDifferentialTest::tokenBucket,
                AlgorithmDifferentialTest::gcra, AlgorithmDifferentialTest::fixedWindow,
                AlgorithmDifferentialTest::slidingWindow, AlgorithmDifferentialTest::concurrency);
        List<LimitSpec> limits = new ArrayList<>();
        int count = 2 + random.nextInt(4);
        for (int l = 0; l < count; l++) {
            limits.add(kinds.get(random.nextInt(kinds.size())).apply(random, "l" + l));
        }
        return limits;
    }

    /** One to {@code max} limits of one kind in one call. */
    private static java.util.function.Function<Random, List<LimitSpec>> upTo(int max,
            BiFunction<Random, String, LimitSpec> kind) {
        return random -> {
            int count = 1 + random.nextInt(max);
            List<LimitSpec> limits = new ArrayList<>();
            for (int l = 0; l < count; l++) {
                limits.add(kind.apply(random, "l" + l));
            }
            return limits;
        };
    }

    private static long quota(Random random) {
        return 1 + random.nextInt(random.nextBoolean() ? 5 : 200);
    }

    private static LimitSpec tokenBucket(Random random, String name) {
        return new TokenBucketLimit(name, quota(random), 0.01 + random.nextDouble() * 0.99);
    }

    /** Rates of at most 1/s: one unit's interval, and so every PEXPIRE, is at least a second. */
    private static LimitSpec gcra(Random random, String name) {
        double rate = random.nextBoolean() ? 0.01 + random.nextDouble() * 0.99 : 1.0 / (1 + random.nextInt(50));
        return new GcraLimit(name, rate, quota(random));
    }

    /** Windows of one second and more, some not a whole number of seconds. */
    private static Duration window(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> Duration.ofMillis(1000 + random.nextInt(9000));
            case 1 -> Duration.ofSeconds(1);
            case 2 -> Duration.ofMinutes(1);
            default -> Duration.ofHours(1);
        };
    }

    private static LimitSpec fixedWindow(Random random, String name) {
        return new FixedWindowLimit(name, quota(random), window(random));
    }

    private static LimitSpec slidingWindow(Random random, String name) {
        return new SlidingWindowLimit(name, quota(random), window(random));
    }

    private static LimitSpec concurrency(Random random, String name) {
        return new ConcurrencyLimit(name, 1 + random.nextInt(6), Duration.ofMillis(1000 + random.nextInt(20_000)));
    }
}
