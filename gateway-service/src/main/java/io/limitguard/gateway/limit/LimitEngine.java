package io.limitguard.gateway.limit;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Evaluates every limit of a request with ONE {@code EVALSHA} of the script for its mix of
 * algorithms ({@link LimitScripts}). All-or-nothing: when any limit rejects, none is charged. On
 * {@code NOSCRIPT} (Redis restarted or flushed) the script is loaded and the call retried once.
 */
public final class LimitEngine {

    private final LimitScripts scripts;
    private final Supplier<RedisReactiveCommands<String, String>> commands;

    public LimitEngine(LimitScripts scripts, Supplier<RedisReactiveCommands<String, String>> commands) {
        this.scripts = scripts;
        this.commands = commands;
    }

    public LimitScripts scripts() {
        return scripts;
    }

    public Mono<Evaluation> evaluate(List<LimitCall> calls) {
        return evaluate(calls, List.of());
    }

    /** {@code trailingArgs} are appended to ARGV; only the test clock reads them. */
    Mono<Evaluation> evaluate(List<LimitCall> calls, List<String> trailingArgs) {
        return Mono.defer(() -> {
            RedisReactiveCommands<String, String> redis = commands.get();
            if (redis == null) {
                return Mono.error(new RedisUnavailableException("no Redis connection yet"));
            }
            String[] keys = new String[calls.size()];
            List<String> args = new ArrayList<>(1 + calls.size() * 4 + trailingArgs.size());
            args.add(Integer.toString(calls.size()));
            for (int i = 0; i < keys.length; i++) {
                LimitCall call = calls.get(i);
                keys[i] = call.redisKey();
                args.add(call.limit().algorithm());
                args.add(Long.toString(call.cost()));
                args.addAll(call.limit().scriptParameters(call.requestId()));
            }
            if (calls.stream().anyMatch(call -> call.group() != LimitCall.ENFORCED)) {
                args.add("groups");
                for (LimitCall call : calls) {
                    args.add(Integer.toString(call.group()));
                }
            }
            args.addAll(trailingArgs);
            String[] argv = args.toArray(String[]::new);
            LimitScript script = scripts.forCalls(calls);
            return evalsha(redis, script, keys, argv)
                    .onErrorResume(RedisNoScriptException.class,
                            e -> redis.scriptLoad(script.source()).then(evalsha(redis, script, keys, argv)))
                    .map(reply -> parse(reply, calls.size()));
        });
    }

    /**
     * Gives back the concurrency slots request {@code requestId} holds under {@code keys} ({@code ZREM}:
     * idempotent, and harmless for a lease that already expired).
     */
    public Mono<Long> release(List<String> keys, long requestId) {
        return Mono.defer(() -> {
            RedisReactiveCommands<String, String> redis = commands.get();
            if (redis == null) {
                return Mono.error(new RedisUnavailableException("no Redis connection"));
            }
            String member = Long.toString(requestId);
            return Flux.fromIterable(keys).flatMap(key -> redis.zrem(key, member))
                    .reduce(0L, Long::sum);
        });
    }

    private static Mono<List<Object>> evalsha(RedisReactiveCommands<String, String> redis, LimitScript script,
            String[] keys, String[] argv) {
        // The reactive evalsha emits the whole MULTI reply as one List.
        return redis.<List<Object>>evalsha(script.sha(), ScriptOutputType.MULTI, keys, argv).single();
    }

    static Evaluation parse(List<Object> reply, int limits) {
        if (reply.size() != 1 + 4 * limits) {
            throw new IllegalStateException("unexpected script reply of " + reply.size() + " elements for "
                    + limits + " limits: " + reply);
        }
        List<LimitVerdict> verdicts = new ArrayList<>(limits);
        for (int i = 0; i < limits; i++) {
            int at = 1 + 4 * i;
            verdicts.add(new LimitVerdict(
                    asLong(reply.get(at)) == 1,
                    asLong(reply.get(at + 1)),
                    asLong(reply.get(at + 2)),
                    asLong(reply.get(at + 3))));
        }
        return new Evaluation(asLong(reply.get(0)) == 1, verdicts);
    }

    private static long asLong(Object value) {
        return value instanceof Long number ? number : Long.parseLong(value.toString());
    }
}
