package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.limitguard.gateway.testing.RedisStats;
import io.limitguard.testsupport.RedisFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * Exactness under concurrency for every algorithm with the production script (clock = Redis
 * {@code TIME}): 1000 concurrent calls on one key through two engines on two connections (two
 * gateway instances, one batching its requests' decisions, one not) admit exactly the limit. Limits are chosen so that nothing comes back during
 * the test (rates of 0.001/s, windows of years, no releases), so "exactly" is exact.
 */
class AlgorithmExactnessTest {

    private static final int CALLS = 1000;
    private static final int LIMIT = 100;
    private static final AtomicLong requestIds = new AtomicLong();
    private static RedisFixture redis;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> first;
    private static StatefulRedisConnection<String, String> second;
    private static List<LimitEngine> engines;

    @BeforeAll
    static void start() {
        redis = RedisFixture.start();
        client = RedisClient.create(redis.uri());
        first = client.connect();
        second = client.connect();
        LimitScripts scripts = LimitScripts.load();
        // one instance batches its requests' decisions (the production default), the other sends each alone
        engines = List.of(new LimitEngine(scripts, first::reactive, false, 32, EngineListener.NONE),
                new LimitEngine(scripts, second::reactive));
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
        client.shutdown();
        redis.close();
    }

    @Test
    void gcra() {
        assertThat(admitted(new GcraLimit("g", 0.001, LIMIT), "g", CALLS)).isEqualTo(LIMIT);
    }

    @Test
    void fixedWindow() {
        assertThat(admitted(new FixedWindowLimit("f", LIMIT, Duration.ofDays(3650)), "f", CALLS)).isEqualTo(LIMIT);
    }

    @Test
    void slidingWindow() {
        assertThat(admitted(new SlidingWindowLimit("s", LIMIT, Duration.ofDays(3650)), "s", CALLS)).isEqualTo(LIMIT);
    }

    @Test
    void theBatchingInstanceDecidedSeveralRequestsPerScriptCall() {
        first.sync().configResetstat();
        assertThat(admitted(new TokenBucketLimit("b", LIMIT, 0.001), "b", CALLS)).isEqualTo(LIMIT);
        // the unbatched instance made CALLS / 2 calls; the batching one far fewer for its CALLS / 2 requests
        assertThat(RedisStats.evalshaCalls(first.sync())).isBetween((long) CALLS / 2 + 1, (long) CALLS * 3 / 4);
    }

    @Test
    void concurrencyAdmitsExactlyMaxAndAsManyAgainOnceReleased() {
        ConcurrencyLimit limit = new ConcurrencyLimit("c", LIMIT, Duration.ofMinutes(5));
        List<Long> holders = new ArrayList<>();
        assertThat(admitted(limit, "c", CALLS, holders)).isEqualTo(LIMIT);
        String key = "lg:{exact:c}:c";
        assertThat(first.sync().zcard(key)).isEqualTo(LIMIT);
        // releases are idempotent: every one twice
        for (long id : holders) {
            first.sync().zrem(key, Long.toString(id));
            second.sync().zrem(key, Long.toString(id));
        }
        assertThat(admitted(limit, "c", CALLS, new ArrayList<>())).isEqualTo(LIMIT);
    }

    @Test
    void oneRuleOfEveryAlgorithmIsChargedAllOrNothing() {
        // the narrowest limit decides; the others are charged exactly as often, never for a rejected call
        List<LimitSpec> limits = List.of(new TokenBucketLimit("tb", 500, 0.001), new GcraLimit("g", 0.001, 300),
                new FixedWindowLimit("f", 200, Duration.ofDays(3650)), new SlidingWindowLimit("s", LIMIT, Duration.ofDays(3650)),
                new ConcurrencyLimit("c", 400, Duration.ofMinutes(5)));
        long admitted = Flux.range(0, CALLS)
                .flatMap(i -> engines.get(i % 2).evaluate(calls(limits, "all", requestIds.incrementAndGet())), 128)
                .filter(Evaluation::allowed).count().block(Duration.ofSeconds(60));
        assertThat(admitted).isEqualTo(LIMIT);
        Evaluation probe = engines.get(0).evaluate(calls(limits, "all", requestIds.incrementAndGet())).block();
        assertThat(probe.allowed()).isFalse();
        assertThat(probe.verdicts()).extracting(LimitVerdict::remaining).containsExactly(400L, 200L, 100L, 0L, 300L);
        assertThat(first.sync().zcard("lg:{exact:all}:c")).isEqualTo(LIMIT);
    }

    private static long admitted(LimitSpec limit, String key, int calls) {
        return admitted(limit, key, calls, new ArrayList<>());
    }

    private static long admitted(LimitSpec limit, String key, int calls, List<Long> holders) {
        List<Long> admitted = Flux.range(0, calls)
                .flatMap(i -> {
                    long id = requestIds.incrementAndGet();
                    return engines.get(i % 2).evaluate(calls(List.of(limit), key, id))
                            .filter(Evaluation::allowed).map(e -> id);
                }, 128)
                .collectList().block(Duration.ofSeconds(60));
        holders.addAll(admitted);
        return admitted.size();
    }

    private static List<LimitCall> calls(List<LimitSpec> limits, String key, long requestId) {
        return limits.stream().map(l -> new LimitCall("lg:{exact:" + key + "}:" + l.name(), l, 1, requestId)).toList();
    }
}
