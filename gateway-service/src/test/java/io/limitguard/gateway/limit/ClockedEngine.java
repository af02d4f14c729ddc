package io.limitguard.gateway.limit;

import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/**
 * The set-up of the tests that choose the time of every script call: the real assembled script with the
 * test clock ({@code lua-test/clock_argv.lua}: the time in µs is the last ARGV) through a {@link LimitEngine}
 * on a Redis of its own ({@link EngineOnRedis}). Each method takes the time and waits for the answer. A test
 * class holds one in a static {@code @AutoClose} field.
 *
 * <p>Redis still expires keys on the real clock: a test must keep every PEXPIRE the script sets well above
 * its own real duration.
 */
final class ClockedEngine implements AutoCloseable {

    /** A time (µs) that is a multiple of every window the tests use, so windows start at BASE. */
    static final long BASE = 1_800_000_000_000_000L;
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

    private final EngineOnRedis redis = EngineOnRedis.start(LimitScripts.withClock("lua-test/clock_argv.lua"));
    private final AtomicInteger keys = new AtomicInteger();

    /** A key of {@code limit} that no earlier call used, in a hash slot of its own. */
    String freshKey(LimitSpec limit) {
        return "lg:{clocked:" + keys.incrementAndGet() + "}:" + limit.name();
    }

    /** The engine's answer to one request of {@code calls} at {@code now}, decided alone. */
    Evaluation evaluate(List<LimitCall> calls, long now) {
        return redis.engine().evaluate(calls, clock(now)).block(ANSWER_WITHIN);
    }

    /** {@code requests} decided in ONE script call (the batch mode) at {@code now}: one answer per request, in order. */
    List<Evaluation> evaluateBatch(List<List<LimitCall>> requests, long now) {
        LimitEngine engine = redis.engine();
        return engine.evaluateBatch(engine.scripts().forCalls(requests.get(0)), requests, clock(now))
                .block(ANSWER_WITHIN).stream()
                .map(Mono::block).toList();
    }

    /** One script call at {@code now} as a refund needs it: the answer and the time the script decided at. */
    LimitEngine.ScriptReply callWithNow(List<LimitCall> calls, long now) {
        return redis.engine().call(redis.connection().reactive(), calls, true, clock(now)).block(ANSWER_WITHIN);
    }

    /** Gives back at {@code now} what {@code calls} charged in a call that decided at {@code chargedAt}. */
    void refund(List<LimitCall> calls, long chargedAt, long now) {
        redis.engine().refund(redis.connection().reactive(), calls, chargedAt, clock(now)).block(ANSWER_WITHIN);
    }

    /** Direct commands, to look at or tamper with what the script stored. */
    RedisCommands<String, String> sync() {
        return redis.sync();
    }

    private static List<String> clock(long now) {
        return List.of(Long.toString(now));
    }

    @Override
    public void close() {
        redis.close();
    }
}
