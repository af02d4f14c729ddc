package io.limitguard.gateway.limit;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Evaluates every limit of a request with the script for its mix of algorithms ({@link LimitScripts}).
 * On one Redis: ONE {@code EVALSHA}, all-or-nothing (when any limit rejects, none is charged). On a Redis Cluster the
 * same when every key is in one slot; otherwise one call per slot, one after the other, with refunds
 * when a later slot rejects ({@link CrossSlotEvaluation}).
 *
 * <p>On {@code NOSCRIPT} (Redis restarted or flushed, or a replica without the script promoted after a
 * failover: {@code SCRIPT LOAD} is not replicated) the call is retried once as {@code EVAL} of the
 * source, which goes to the same server by the same key, runs the script and caches it there, so later
 * calls find it by its SHA again.
 */
public final class LimitEngine {

    /** Marks the driver's refund mode (see {@code lua/README.md}). */
    static final String REFUND = "refund";
    /** Asks the driver to end its reply with its {@code now} (a refund of the call's charges needs it). */
    static final String NOW = "now";

    private final LimitScripts scripts;
    private final Supplier<? extends RedisClusterReactiveCommands<String, String>> commands;
    private final boolean splitsSlots;
    private final EngineListener listener;

    /** An engine for one Redis: every call is one script call. */
    public LimitEngine(LimitScripts scripts, Supplier<? extends RedisClusterReactiveCommands<String, String>> commands) {
        this(scripts, commands, false, EngineListener.NONE);
    }

    /**
     * @param splitsSlots true on a Redis Cluster: keys of different slots go in separate calls
     * @param listener    told about script reloads and refunds
     */
    public LimitEngine(LimitScripts scripts, Supplier<? extends RedisClusterReactiveCommands<String, String>> commands,
            boolean splitsSlots, EngineListener listener) {
        this.scripts = scripts;
        this.commands = commands;
        this.splitsSlots = splitsSlots;
        this.listener = listener;
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
            RedisClusterReactiveCommands<String, String> redis = commands.get();
            if (redis == null) {
                return Mono.error(new RedisUnavailableException("no Redis connection yet"));
            }
            if (splitsSlots && !inOneSlot(calls)) {
                return new CrossSlotEvaluation(this, redis, calls, trailingArgs).run();
            }
            return call(redis, calls, false, trailingArgs).map(ScriptReply::evaluation);
        });
    }

    /**
     * Gives back the concurrency slots request {@code requestId} holds under {@code keys} ({@code ZREM}:
     * idempotent, and harmless for a lease that already expired). On a cluster each key goes to its node.
     */
    public Mono<Long> release(List<String> keys, long requestId) {
        return Mono.defer(() -> {
            RedisClusterReactiveCommands<String, String> redis = commands.get();
            if (redis == null) {
                return Mono.error(new RedisUnavailableException("no Redis connection"));
            }
            String member = Long.toString(requestId);
            return Flux.fromIterable(keys).flatMap(key -> redis.zrem(key, member))
                    .reduce(0L, Long::sum);
        });
    }

    EngineListener listener() {
        return listener;
    }

    static boolean inOneSlot(List<LimitCall> calls) {
        int slot = -1;
        for (LimitCall call : calls) {
            int s = SlotHash.getSlot(call.redisKey());
            if (slot >= 0 && s != slot) {
                return false;
            }
            slot = s;
        }
        return true;
    }

    /**
     * One script call evaluating {@code calls} (keys of one slot, or any keys on one Redis).
     *
     * @param withNow ask for the script's time in the reply ({@link ScriptReply#nowMicros()}, else -1)
     */
    Mono<ScriptReply> call(RedisClusterReactiveCommands<String, String> redis, List<LimitCall> calls, boolean withNow,
            List<String> trailingArgs) {
        List<String> args = arguments(calls);
        if (calls.stream().anyMatch(call -> call.group() != LimitCall.ENFORCED)) {
            args.add("groups");
            for (LimitCall call : calls) {
                args.add(Integer.toString(call.group()));
            }
        }
        if (withNow) {
            args.add(NOW);
        }
        args.addAll(trailingArgs);
        String[] keys = keys(calls);
        String[] argv = args.toArray(String[]::new);
        return run(redis, scripts.forCalls(calls), keys, argv).map(reply -> parse(reply, calls.size(), withNow));
    }

    /**
     * Gives back what {@code calls} (all enforced, of one slot) charged in a call that admitted at
     * {@code chargedAtMicros} (that server's clock, from its reply).
     */
    Mono<Void> refund(RedisClusterReactiveCommands<String, String> redis, List<LimitCall> calls, long chargedAtMicros,
            List<String> trailingArgs) {
        List<String> args = new ArrayList<>(List.of(REFUND, Long.toString(chargedAtMicros)));
        args.addAll(arguments(calls));
        args.addAll(trailingArgs);
        return run(redis, scripts.forCalls(calls), keys(calls), args.toArray(String[]::new)).then();
    }

    private Mono<List<Object>> run(RedisClusterReactiveCommands<String, String> redis, LimitScript script, String[] keys,
            String[] argv) {
        // The reactive evalsha/eval emit the whole MULTI reply as one List.
        return redis.<List<Object>>evalsha(script.sha(), ScriptOutputType.MULTI, keys, argv).single()
                .onErrorResume(RedisNoScriptException.class, e -> {
                    listener.scriptReloaded();
                    return redis.<List<Object>>eval(script.source(), ScriptOutputType.MULTI, keys, argv).single();
                });
    }

    /** {@code N}, then per limit its algorithm, cost and parameters (the calling convention of {@code lua/README.md}). */
    private static List<String> arguments(List<LimitCall> calls) {
        List<String> args = new ArrayList<>(4 + calls.size() * 4);
        args.add(Integer.toString(calls.size()));
        for (LimitCall call : calls) {
            args.add(call.limit().algorithm());
            args.add(Long.toString(call.cost()));
            args.addAll(call.limit().scriptParameters(call.requestId()));
        }
        return args;
    }

    private static String[] keys(List<LimitCall> calls) {
        String[] keys = new String[calls.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = calls.get(i).redisKey();
        }
        return keys;
    }

    /** The evaluate reply: {@code 1 + 4·N} elements (see {@code lua/README.md}), then the script's {@code now} if asked. */
    static ScriptReply parse(List<Object> reply, int limits, boolean withNow) {
        if (reply.size() != (withNow ? 2 : 1) + 4 * limits) {
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
        return new ScriptReply(new Evaluation(asLong(reply.get(0)) == 1, verdicts),
                withNow ? asLong(reply.get(1 + 4 * limits)) : -1);
    }

    private static long asLong(Object value) {
        return value instanceof Long number ? number : Long.parseLong(value.toString());
    }

    /** A script call's answer and the server time (µs) it decided at; a refund of its charges needs that time. */
    record ScriptReply(Evaluation evaluation, long nowMicros) {
    }
}
