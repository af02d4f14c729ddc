package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The production script (clock = Redis TIME) through the engine against a real Redis. */
class LimitEngineTest {

    private static EngineOnRedis redis;
    private static LimitEngine engine;

    @BeforeAll
    static void start() {
        redis = EngineOnRedis.start(LimitScripts.load());
        engine = redis.engine();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @Test
    void chargesEveryLimitOrNone() {
        TokenBucketLimit wide = new TokenBucketLimit("wide", 10, 0.001);
        TokenBucketLimit narrow = new TokenBucketLimit("narrow", 2, 0.001);
        List<LimitCall> calls = List.of(new LimitCall("lg:{t1:k}:wide", wide, 1), new LimitCall("lg:{t1:k}:narrow", narrow, 1));

        Evaluation first = engine.evaluate(calls).block();
        Evaluation second = engine.evaluate(calls).block();
        Evaluation third = engine.evaluate(calls).block();

        assertThat(first.allowed()).isTrue();
        assertThat(first.verdicts()).extracting(LimitVerdict::remaining).containsExactly(9L, 1L);
        assertThat(second.verdicts()).extracting(LimitVerdict::remaining).containsExactly(8L, 0L);
        assertThat(third.allowed()).isFalse();
        assertThat(third.verdicts().get(0).allowed()).isTrue();
        assertThat(third.verdicts().get(0).remaining()).as("wide not charged when narrow rejects").isEqualTo(8L);
        assertThat(third.verdicts().get(1).allowed()).isFalse();
        // one token at 0.001/s is 1000 s away (minus the few microseconds since the last charge)
        assertThat(third.verdicts().get(1).retryAfterMicros()).isBetween(990_000_000L, 1_000_000_000L);
        assertThat(third.verdicts().get(1).retryAfterSeconds()).isEqualTo(1000L);
        assertThat(third.verdicts().get(0).retryAfterMicros()).isZero();
        // stored tokens: 8 plus the refill of the microseconds between the calls, not 7
        assertThat(TokenBucketState.tokens(redis.sync(), "lg:{t1:k}:wide")).isBetween(8.0, 8.01);
    }

    @Test
    void keysExpireWhenTheBucketWouldBeFull() {
        TokenBucketLimit limit = new TokenBucketLimit("fast", 4, 2);
        engine.evaluate(List.of(new LimitCall("lg:{t2:k}:fast", limit, 3))).block();
        // 3 tokens missing at 2 tokens/s: full again in 1.5 s
        assertThat(redis.sync().pttl("lg:{t2:k}:fast")).isBetween(1400L, 1500L);
    }

    @Test
    void reportsSecondsToTheNextToken() {
        TokenBucketLimit limit = new TokenBucketLimit("slow", 5, 0.25);
        LimitVerdict verdict = engine.evaluate(List.of(new LimitCall("lg:{t3:k}:slow", limit, 1))).block().verdicts().get(0);
        assertThat(verdict.remaining()).isEqualTo(4);
        assertThat(verdict.nextMicros()).isBetween(3_990_000L, 4_000_000L);
        assertThat(verdict.nextSeconds()).isEqualTo(4);
    }

    @Test
    void reloadsTheScriptAfterNoscriptTransparently() {
        TokenBucketLimit limit = new TokenBucketLimit("n", 3, 0.001);
        List<LimitCall> call = List.of(new LimitCall("lg:{t4:k}:n", limit, 1));
        engine.evaluate(call).block();
        redis.sync().scriptFlush();
        assertThat(redis.sync().scriptExists(engine.scripts().forCalls(call).sha())).containsExactly(false);

        Evaluation after = engine.evaluate(call).block();

        assertThat(after.allowed()).isTrue();
        assertThat(after.verdicts().get(0).remaining()).isEqualTo(1);
        assertThat(redis.sync().scriptExists(engine.scripts().forCalls(call).sha())).containsExactly(true);
    }

    @Test
    void badArgumentsAreAnErrorNotAPass() {
        assertBadArgument(spec("nan", "1"), 1, "capacity must be a finite number > 0");
        assertBadArgument(spec("-5", "1"), 1, "capacity must be a finite number > 0");
        assertBadArgument(spec("5", "inf"), 1, "refill-per-second must be a finite number > 0");
        assertBadArgument(spec("5", "0"), 1, "refill-per-second must be a finite number > 0");
        assertBadArgument(spec("5", "x"), 1, "parameter 2 is not a number");
        assertBadArgument(spec("5", "1"), 6, "cost must not exceed capacity");
        // a bucket that fills in over 1e9 s would need an expiry Redis refuses (1e17 ms and more)
        assertBadArgument(spec("1000000000000", "0.000001"), 1, "capacity / refill-per-second must be at most 1e9 seconds");
        assertBadArgument(spec("5", "1"), -1, "cost must be a finite number >= 0");
        assertThat(redis.sync().exists("lg:{bad:k}:x")).isZero();
    }

    @Test
    void aBadRequestInABatchGetsItsErrorAndTheOthersAreDecidedInOrder() {
        TokenBucketLimit two = new TokenBucketLimit("two", 2, 0.001);
        List<LimitCall> good = List.of(new LimitCall("lg:{t5:k}:two", two, 1));
        List<LimitCall> bad = List.of(new LimitCall("lg:{t5:k}:x", spec("-5", "1"), 1));
        redis.sync().scriptFlush(); // the batch's first call meets NOSCRIPT too

        List<Mono<Evaluation>> answers = engine.evaluateBatch(engine.scripts().forCalls(good),
                List.of(good, bad, good, good), List.of()).block(Duration.ofSeconds(5));

        assertThat(answers).hasSize(4);
        assertThat(answers.get(0).block().verdicts().get(0).remaining()).isEqualTo(1);
        StepVerifier.create(answers.get(1))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RedisCommandExecutionException.class)
                        .hasMessage("LG_BAD_ARG limit 1 (token-bucket): capacity must be a finite number > 0"))
                .verify(Duration.ofSeconds(1));
        assertThat(answers.get(2).block().verdicts().get(0).remaining()).isZero();
        Evaluation third = answers.get(3).block();
        assertThat(third.allowed()).isFalse();
        assertThat(third.verdicts().get(0).retryAfterSeconds()).isEqualTo(1000L);
        assertThat(redis.sync().exists("lg:{t5:k}:x")).isZero();
    }

    @Test
    void aMalformedBatchIsAnErrorAsAWholeAndChargesNothing() {
        TokenBucketLimit limit = new TokenBucketLimit("m", 5, 0.001);
        String sha = engine.scripts().forCalls(List.of(new LimitCall("lg:{t6:k}:m", limit, 1))).sha();
        engine.evaluate(List.of(new LimitCall("lg:{t6:k}:m", limit, 1))).block(); // the script is loaded
        String[] keys = {"lg:{t6:a}:m", "lg:{t6:b}:m"};
        // request 1 well formed; request 2 claims 2 limits, but only 2 keys in all
        assertThatThrownBy(() -> redis.sync().evalsha(sha, ScriptOutputType.MULTI, keys,
                "batch", "2", "5", "1", "token-bucket", "1", "5", "0.001", "9", "2", "token-bucket", "1", "5", "0.001",
                "token-bucket", "1", "5", "0.001"))
                .isInstanceOf(RedisCommandExecutionException.class)
                .hasMessageContaining("LG_BAD_ARG batch request 2");
        // the limit counts add up to more keys than there are
        assertThatThrownBy(() -> redis.sync().evalsha(sha, ScriptOutputType.MULTI, keys,
                "batch", "1", "5", "1", "token-bucket", "1", "5", "0.001"))
                .isInstanceOf(RedisCommandExecutionException.class)
                .hasMessageContaining("LG_BAD_ARG batch limit counts add up to 1, not 2 keys");
        assertThat(redis.sync().exists(keys)).as("nothing charged").isZero();
    }

    private void assertBadArgument(LimitSpec spec, long cost, String message) {
        StepVerifier.create(engine.evaluate(List.of(new LimitCall("lg:{bad:k}:x", spec, cost))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RedisCommandExecutionException.class)
                        .hasMessageContaining("LG_BAD_ARG").hasMessageContaining(message))
                .verify(Duration.ofSeconds(5));
    }

    private static LimitSpec spec(String capacity, String rate) {
        return new LimitSpec() {
            public String name() { return "x"; }
            public String algorithm() { return TokenBucketLimit.ALGORITHM; }
            public List<String> scriptParameters(long requestId) { return List.of(capacity, rate); }
            public long quota() { return 0; }
            public long windowSeconds() { return 0; }
            public LimitModel<?> model(int instances) { throw new UnsupportedOperationException(); }
        };
    }
}
