package io.limitguard.gateway.limit;

import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One request whose keys lie in several Redis Cluster slots (rules of different identities, e.g. per
 * user AND per tenant): a cluster cannot run one script over them, so each slot's limits get a script
 * call of their own, one slot after the other in ascending slot order.
 *
 * <p>Each call is all-or-nothing for its slot, as on one Redis. When a slot's enforced limits reject,
 * the later slots' enforced limits are not asked, and what the earlier slots charged for the enforced
 * group is refunded before the answer is given. So no limit ever admits more than it allows (every
 * charge happens before the decision, checked by the script); a rejected request's earlier charges
 * are visible to concurrent requests for the few hundred microseconds until the refund, which can
 * reject them falsely, never admit them falsely. A refund that fails (Redis down, time-out) is
 * counted ({@link EngineListener#refundFailed}); the charge then stays until the limit refills or the
 * key expires on its own.
 *
 * <p>Shadow rules are one rule and one client, hence one slot: each stays all-or-nothing on its own
 * and is evaluated whatever the enforced limits decide. Enforced limits that were not asked get
 * {@link LimitVerdict#NOT_ASKED}.
 */
final class CrossSlotEvaluation {

    private final LimitEngine engine;
    private final RedisClusterReactiveCommands<String, String> redis;
    private final List<LimitCall> calls;
    private final List<String> trailingArgs;
    private final LimitVerdict[] verdicts;
    /** Enforced limits charged by an earlier slot, with the server time of that charge. */
    private final List<Charge> charged = new ArrayList<>();
    private boolean enforcedRejected;

    CrossSlotEvaluation(LimitEngine engine, RedisClusterReactiveCommands<String, String> redis, List<LimitCall> calls,
            List<String> trailingArgs) {
        this.engine = engine;
        this.redis = redis;
        this.calls = calls;
        this.trailingArgs = trailingArgs;
        this.verdicts = new LimitVerdict[calls.size()];
        Arrays.fill(verdicts, LimitVerdict.NOT_ASKED);
    }

    /** Runs once; the calls are chained, so the fields are only touched by one call at a time. */
    Mono<Evaluation> run() {
        return Flux.fromIterable(bySlot()).concatMap(this::evaluateSlot)
                .then(Mono.defer(this::refundIfRejected))
                .then(Mono.fromSupplier(() -> new Evaluation(!enforcedRejected, Arrays.asList(verdicts))));
    }

    /** Indexes of {@link #calls} per slot, slots ascending (a deterministic order for every request). */
    private List<List<Integer>> bySlot() {
        TreeMap<Integer, List<Integer>> slots = new TreeMap<>();
        for (int i = 0; i < calls.size(); i++) {
            slots.computeIfAbsent(SlotHash.getSlot(calls.get(i).redisKey()), slot -> new ArrayList<>()).add(i);
        }
        return List.copyOf(slots.values());
    }

    private Mono<Void> evaluateSlot(List<Integer> slot) {
        // after an enforced rejection, only shadow limits are still evaluated
        List<Integer> asked = enforcedRejected
                ? slot.stream().filter(i -> calls.get(i).group() != LimitCall.ENFORCED).toList()
                : slot;
        if (asked.isEmpty()) {
            return Mono.empty();
        }
        List<LimitCall> slotCalls = asked.stream().map(calls::get).toList();
        return engine.call(redis, slotCalls, true, trailingArgs).doOnNext(reply -> {
            for (int j = 0; j < asked.size(); j++) {
                verdicts[asked.get(j)] = reply.evaluation().verdicts().get(j);
            }
            List<LimitCall> enforced = slotCalls.stream().filter(c -> c.group() == LimitCall.ENFORCED).toList();
            if (enforced.isEmpty()) {
                return;
            }
            if (reply.evaluation().allowed()) {
                charged.add(new Charge(enforced, reply.nowMicros()));
            } else {
                enforcedRejected = true;
            }
        }).then();
    }

    /** Gives back the earlier slots' charges (slots in parallel); a failed refund is counted, never an error. */
    private Mono<Void> refundIfRejected() {
        if (!enforcedRejected || charged.isEmpty()) {
            return Mono.empty();
        }
        EngineListener listener = engine.listener();
        return Flux.fromIterable(charged)
                .flatMap(charge -> engine.refund(redis, charge.calls(), charge.atMicros(), trailingArgs)
                        .doOnSuccess(done -> listener.refunded(charge.calls().size()))
                        .onErrorResume(error -> {
                            listener.refundFailed(charge.calls().size(), error);
                            return Mono.empty();
                        }))
                .then();
    }

    private record Charge(List<LimitCall> calls, long atMicros) {
    }
}
