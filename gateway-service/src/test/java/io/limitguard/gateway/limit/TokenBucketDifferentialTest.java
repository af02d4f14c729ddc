package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.limitguard.testsupport.RedisFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drives the real {@code lua/token_bucket.lua} (inside the real driver, in a real Redis) and
 * {@link TokenBucketModel} with the same random sequences of (time, cost) over rules of one to
 * three limits, and requires identical answers for every call: allowed, remaining, next and
 * retry-after of every limit, and the all-or-nothing charging.
 *
 * <p>The script variant differs from production only in its clock file (time from ARGV instead of
 * {@code TIME}). Rates stay at or below 1 token/s so that every PEXPIRE is at least a second of
 * real time: a sequence runs in far less, so Redis never expires a key the model still holds.
 */
class TokenBucketDifferentialTest {

    private static final long SEED = Long.getLong("differential.seed", 20261129L);
    private static RedisFixture redis;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static LimitEngine engine;

    @BeforeAll
    static void start() {
        redis = RedisFixture.start();
        client = RedisClient.create(redis.uri());
        connection = client.connect();
        RedisReactiveCommands<String, String> commands = connection.reactive();
        engine = new LimitEngine(LimitScript.withClock("lua-test/clock_argv.lua"), () -> commands);
    }

    @AfterAll
    static void stop() {
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void scriptAndModelAgreeOnRandomSequences() {
        Random random = new Random(SEED);
        int calls = 0;
        int rejected = 0;
        int partial = 0;
        for (int sequence = 0; sequence < 120; sequence++) {
            int limitCount = 1 + random.nextInt(3);
            List<TokenBucketLimit> limits = new ArrayList<>();
            List<TokenBucketModel> models = new ArrayList<>();
            long minCapacity = Long.MAX_VALUE;
            for (int l = 0; l < limitCount; l++) {
                long capacity = 1 + random.nextInt(random.nextBoolean() ? 5 : 200);
                double rate = random.nextBoolean() ? 0.01 + random.nextDouble() * 0.99 : 1.0 / (1 + random.nextInt(50));
                limits.add(new TokenBucketLimit("l" + l, capacity, rate));
                models.add(new TokenBucketModel(capacity, rate));
                minCapacity = Math.min(minCapacity, capacity);
            }
            long now = 1_700_000_000_000_000L + random.nextInt(1_000_000_000);
            for (int step = 0; step < 150; step++) {
                now += timeStep(random);
                long cost = 1 + random.nextInt((int) Math.min(minCapacity, 4));
                List<LimitCall> call = new ArrayList<>();
                for (TokenBucketLimit limit : limits) {
                    call.add(new LimitCall("lg:{diff" + sequence + ":k}:" + limit.name(), limit, cost));
                }
                Evaluation actual = engine.evaluate(call, List.of(Long.toString(now))).block(Duration.ofSeconds(5));
                Evaluation expected = model(models, now, cost);
                assertThat(actual).as("sequence %d step %d at %d cost %d limits %s", sequence, step, now, cost, limits)
                        .isEqualTo(expected);
                calls++;
                if (!expected.allowed()) {
                    rejected++;
                    if (expected.verdicts().stream().anyMatch(LimitVerdict::allowed)) {
                        partial++;
                    }
                }
            }
        }
        // The sequences must exercise both answers and the all-or-nothing case, or they prove little.
        assertThat(calls).isEqualTo(120 * 150);
        assertThat(rejected).isGreaterThan(calls / 10);
        assertThat(partial).isGreaterThan(100);
    }

    /** Mostly small steps (fractions of a token), sometimes none, sometimes long pauses or a clock going back. */
    private static long timeStep(Random random) {
        int kind = random.nextInt(20);
        if (kind < 3) {
            return 0;
        }
        if (kind < 12) {
            return 1 + random.nextInt(300_000);
        }
        if (kind < 18) {
            return 300_000 + random.nextInt(3_000_000);
        }
        if (kind < 19) {
            return 10_000_000L + random.nextInt(1_000_000_000);
        }
        return -random.nextInt(1_000_000);
    }

    private static Evaluation model(List<TokenBucketModel> models, long now, long cost) {
        List<TokenBucketModel.Check> checks = new ArrayList<>();
        boolean all = true;
        for (TokenBucketModel model : models) {
            TokenBucketModel.Check check = model.check(now, cost);
            checks.add(check);
            all &= check.allowed();
        }
        List<LimitVerdict> verdicts = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            if (all) {
                models.get(i).commit(checks.get(i));
            }
            verdicts.add(models.get(i).report(checks.get(i), all));
        }
        return new Evaluation(all, verdicts);
    }
}
