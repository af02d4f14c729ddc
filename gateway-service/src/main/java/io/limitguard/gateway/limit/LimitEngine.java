package io.limitguard.gateway.limit;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Evaluates every limit of a request with the script for its mix of algorithms ({@link LimitScripts}).
 * On one Redis: ONE {@code EVALSHA}, all-or-nothing (when any limit rejects, none is charged). On a Redis Cluster the
 * same when every key is in one slot; otherwise one call per slot, one after the other, with refunds
 * when a later slot rejects ({@link CrossSlotEvaluation}).
 *
 * <p>With batching on (one Redis, {@code batchSize} above 1), the decisions of concurrent requests share
 * script calls ({@link DecisionBatcher}, {@code lua/README.md} "Batch mode"): one {@code EVALSHA} decides
 * several requests one after the other, each of them all-or-nothing on its own.
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
    /** Marks the driver's batch mode (see {@code lua/README.md}). */
    static final String BATCH = "batch";

    private final LimitScripts scripts;
    private final Supplier<? extends RedisClusterReactiveCommands<String, String>> commands;
    private final boolean splitsSlots;
    private final EngineListener listener;
    /** One per script, so that a batch runs the script of its own mix; null when batching is off. */
    private final Map<LimitScript, DecisionBatcher> batchers;

    /** An engine for one Redis: every request is one script call of its own. */
    public LimitEngine(LimitScripts scripts, Supplier<? extends RedisClusterReactiveCommands<String, String>> commands) {
        this(scripts, commands, false, 1, EngineListener.NONE);
    }

    /**
     * @param splitsSlots true on a Redis Cluster: keys of different slots go in separate calls
     * @param batchSize   the most requests one script call decides; 1 is one call per request. Only on one
     *                    Redis: on a cluster every request is a call (or one per slot) of its own.
     * @param listener    told about script reloads and refunds
     */
    public LimitEngine(LimitScripts scripts, Supplier<? extends RedisClusterReactiveCommands<String, String>> commands,
            boolean splitsSlots, int batchSize, EngineListener listener) {
        this.scripts = scripts;
        this.commands = commands;
        this.splitsSlots = splitsSlots;
        this.listener = listener;
        if (batchSize > 1 && !splitsSlots) {
            Map<LimitScript, DecisionBatcher> byScript = new IdentityHashMap<>();
            for (LimitScript script : scripts.all()) {
                byScript.put(script, new DecisionBatcher(batchSize, requests -> {
                    listener.batchSent(requests.size());
                    return evaluateBatch(script, requests, List.of());
                }));
            }
            this.batchers = byScript;
        } else {
            this.batchers = null;
        }
    }

    public LimitScripts scripts() {
        return scripts;
    }

    public Mono<Evaluation> evaluate(List<LimitCall> calls) {
        return evaluate(calls, List.of());
    }

    /** {@code trailingArgs} are appended to ARGV; only the test clock reads them. */
    Mono<Evaluation> evaluate(List<LimitCall> calls, List<String> trailingArgs) {
        if (batchers != null && trailingArgs.isEmpty()) {
            return batchers.get(scripts.forCalls(calls)).submit(calls);
        }
        return evaluateAlone(calls, trailingArgs);
    }

    /** The request's own script call (or one per slot). */
    private Mono<Evaluation> evaluateAlone(List<LimitCall> calls, List<String> trailingArgs) {
        return withRedis(redis -> splitsSlots && !inOneSlot(calls)
                ? new CrossSlotEvaluation(this, redis, calls, trailingArgs).run()
                : call(redis, calls, false, trailingArgs).map(ScriptReply::evaluation));
    }

    /**
     * ONE call of {@code script} (which holds every algorithm the requests use) deciding {@code requests}
     * one after the other, each all-or-nothing on its own, as that many calls at the same time would: one
     * answer per request, in order (its evaluation, or the error of its invalid arguments). A batch of one
     * is an ordinary call.
     */
    Mono<List<Mono<Evaluation>>> evaluateBatch(LimitScript script, List<List<LimitCall>> requests,
            List<String> trailingArgs) {
        if (requests.size() == 1) {
            return withRedis(redis -> call(redis, script, requests.get(0), false, trailingArgs))
                    .map(reply -> List.of(Mono.just(reply.evaluation())));
        }
        return withRedis(redis -> {
            List<String> args = new ArrayList<>(2 + requests.size() * 6);
            args.add(BATCH);
            args.add(Integer.toString(requests.size()));
            List<LimitCall> all = new ArrayList<>(requests.size());
            for (List<LimitCall> calls : requests) {
                int length = args.size();
                args.add(null);
                addSection(args, calls);
                args.set(length, Integer.toString(args.size() - length - 1));
                all.addAll(calls);
            }
            args.addAll(trailingArgs);
            return run(redis, script, keys(all), args.toArray(String[]::new))
                    .map(reply -> parseBatch(reply, requests));
        });
    }

    /**
     * Gives back the concurrency slots request {@code requestId} holds under {@code keys} ({@code ZREM}:
     * idempotent, and harmless for a lease that already expired). On a cluster each key goes to its node.
     */
    public Mono<Long> release(List<String> keys, long requestId) {
        return withRedis((RedisClusterReactiveCommands<String, String> redis) -> {
            String member = Long.toString(requestId);
            return Flux.fromIterable(keys).flatMap(key -> redis.zrem(key, member))
                    .reduce(0L, Long::sum);
        });
    }

    /** {@code use} of the current connection, or a {@link RedisUnavailableException} when there is none. */
    private <T> Mono<T> withRedis(Function<RedisClusterReactiveCommands<String, String>, Mono<T>> use) {
        return Mono.defer(() -> {
            RedisClusterReactiveCommands<String, String> redis = commands.get();
            return redis == null ? Mono.error(new RedisUnavailableException("no Redis connection")) : use.apply(redis);
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
        return call(redis, scripts.forCalls(calls), calls, withNow, trailingArgs);
    }

    /** {@link #call(RedisClusterReactiveCommands, List, boolean, List)} with the script of the calls' mix, known already. */
    private Mono<ScriptReply> call(RedisClusterReactiveCommands<String, String> redis, LimitScript script,
            List<LimitCall> calls, boolean withNow, List<String> trailingArgs) {
        List<String> args = new ArrayList<>(6 + calls.size() * 4);
        addSection(args, calls);
        if (withNow) {
            args.add(NOW);
        }
        args.addAll(trailingArgs);
        String[] keys = keys(calls);
        String[] argv = args.toArray(String[]::new);
        return run(redis, script, keys, argv).map(reply -> parse(reply, calls.size(), withNow));
    }

    /**
     * Gives back what {@code calls} (all enforced, of one slot) charged in a call that admitted at
     * {@code chargedAtMicros} (that server's clock, from its reply).
     */
    Mono<Void> refund(RedisClusterReactiveCommands<String, String> redis, List<LimitCall> calls, long chargedAtMicros,
            List<String> trailingArgs) {
        List<String> args = new ArrayList<>(List.of(REFUND, Long.toString(chargedAtMicros)));
        addLimits(args, calls);
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
    private static void addLimits(List<String> args, List<LimitCall> calls) {
        args.add(Integer.toString(calls.size()));
        for (LimitCall call : calls) {
            args.add(call.limit().algorithm());
            args.add(Long.toString(call.cost()));
            args.addAll(call.limit().scriptParameters(call.requestId()));
        }
    }

    /** A request's section of ARGV: its limits, then its groups when it has shadow rules. */
    private static void addSection(List<String> args, List<LimitCall> calls) {
        addLimits(args, calls);
        if (calls.stream().anyMatch(call -> call.group() != LimitCall.ENFORCED)) {
            args.add("groups");
            for (LimitCall call : calls) {
                args.add(Integer.toString(call.group()));
            }
        }
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
        return new ScriptReply(evaluationAt(reply, 0, limits), withNow ? asLong(reply.get(1 + 4 * limits)) : -1);
    }

    /**
     * The batch reply: per request {@code 1 + 4·N} elements as above, or {@code -1} and why its arguments
     * are invalid (see {@code lua/README.md}).
     */
    static List<Mono<Evaluation>> parseBatch(List<Object> reply, List<List<LimitCall>> requests) {
        List<Mono<Evaluation>> answers = new ArrayList<>(requests.size());
        int at = 0;
        for (List<LimitCall> calls : requests) {
            int limits = calls.size();
            if (at < reply.size() && asLong(reply.get(at)) == -1 && at + 1 < reply.size()) {
                answers.add(Mono.error(new RedisCommandExecutionException(String.valueOf(reply.get(at + 1)))));
                at += 2;
            } else if (at + 1 + 4 * limits <= reply.size()) {
                answers.add(Mono.just(evaluationAt(reply, at, limits)));
                at += 1 + 4 * limits;
            } else {
                break;
            }
        }
        if (answers.size() != requests.size() || at != reply.size()) {
            throw new IllegalStateException("unexpected batch reply of " + reply.size() + " elements for "
                    + requests.size() + " requests: " + reply);
        }
        return answers;
    }

    /** The evaluation of {@code limits} limits whose reply begins at {@code reply[at]}. */
    private static Evaluation evaluationAt(List<Object> reply, int at, int limits) {
        List<LimitVerdict> verdicts = new ArrayList<>(limits);
        for (int i = 0; i < limits; i++) {
            int v = at + 1 + 4 * i;
            verdicts.add(new LimitVerdict(
                    asLong(reply.get(v)) == 1,
                    asLong(reply.get(v + 1)),
                    asLong(reply.get(v + 2)),
                    asLong(reply.get(v + 3))));
        }
        return new Evaluation(asLong(reply.get(at)) == 1, verdicts);
    }

    private static long asLong(Object value) {
        return value instanceof Long number ? number : Long.parseLong(value.toString());
    }

    /** A script call's answer and the server time (µs) it decided at; a refund of its charges needs that time. */
    record ScriptReply(Evaluation evaluation, long nowMicros) {
    }
}
