package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * The order of calls and refunds of a request spanning several slots, against a scripted stand-in for
 * the cluster (the real cluster, and the refund arithmetic, are tested in {@code RedisClusterGatewayTest}
 * and {@code RefundTest}): what is asked, what is refunded, and what happens when a refund fails.
 */
class CrossSlotEvaluationTest {

    private static final TokenBucketLimit LIMIT = new TokenBucketLimit("l", 10, 1);

    /** Client keys of rules a, b, c whose slots ascend in that order. */
    private final String a = key("a");
    private final String b = keyAbove("b", a);
    private final String c = keyAbove("c", b);

    @Test
    void oneSlotIsOneCall() {
        FakeCluster redis = new FakeCluster(Set.of());
        engine(redis, new CountingListener()).evaluate(List.of(call(a), call(a.replace(":l", ":m")))).block();
        assertThat(redis.calls).containsExactly("eval " + a + "," + a.replace(":l", ":m"));
    }

    @Test
    void slotsInAscendingOrderAndAllAllowed() {
        FakeCluster redis = new FakeCluster(Set.of());
        Evaluation evaluation = engine(redis, new CountingListener()).evaluate(List.of(call(c), call(a), call(b))).block();
        assertThat(evaluation.allowed()).isTrue();
        assertThat(redis.calls).containsExactly("eval " + a, "eval " + b, "eval " + c);
    }

    @Test
    void aLaterRejectionRefundsTheEarlierSlotsAndSkipsTheLaterOnes() {
        FakeCluster redis = new FakeCluster(Set.of(b));
        CountingListener listener = new CountingListener();
        Evaluation evaluation = engine(redis, listener).evaluate(List.of(call(c), call(b), call(a))).block();

        assertThat(evaluation.allowed()).isFalse();
        assertThat(redis.calls).containsExactly("eval " + a, "eval " + b, "refund " + a + " at 1000");
        assertThat(evaluation.verdicts().get(0)).as("c not asked").isSameAs(LimitVerdict.NOT_ASKED);
        assertThat(evaluation.verdicts().get(1).allowed()).isFalse();
        assertThat(evaluation.verdicts().get(2).allowed()).isTrue();
        assertThat(listener.refunded.get()).isEqualTo(1);
        assertThat(listener.failed.get()).isZero();
    }

    @Test
    void shadowRulesAreEvaluatedAfterAnEnforcedRejectionAndNeverRefunded() {
        FakeCluster redis = new FakeCluster(Set.of(a));
        Evaluation evaluation = engine(redis, new CountingListener())
                .evaluate(List.of(call(a), new LimitCall(b, LIMIT, 1, 0, 1), call(c))).block();
        assertThat(evaluation.allowed()).isFalse();
        assertThat(redis.calls).containsExactly("eval " + a, "eval " + b);
        assertThat(evaluation.verdicts().get(2)).isSameAs(LimitVerdict.NOT_ASKED);
    }

    @Test
    void aFailedRefundIsCountedAndTheRequestStaysRejected() {
        FakeCluster redis = new FakeCluster(Set.of(c));
        redis.refundsFail = true;
        CountingListener listener = new CountingListener();
        Evaluation evaluation = engine(redis, listener).evaluate(List.of(call(a), call(b), call(c))).block();

        assertThat(evaluation.allowed()).isFalse();
        assertThat(redis.calls).contains("refund " + a + " at 1000", "refund " + b + " at 1000");
        assertThat(listener.failed.get()).as("both earlier slots' limits").isEqualTo(2);
        assertThat(listener.refunded.get()).isZero();
    }

    private static LimitEngine engine(FakeCluster redis, EngineListener listener) {
        return new LimitEngine(LimitScripts.load(), redis::commands, true, 1, listener);
    }

    private static LimitCall call(String key) {
        return new LimitCall(key, LIMIT, 1);
    }

    private static String key(String rule) {
        return "lg:{" + rule + ":k}:l";
    }

    private static String keyAbove(String rule, String below) {
        for (int i = 0; ; i++) {
            String key = "lg:{" + rule + ":k" + i + "}:l";
            if (SlotHash.getSlot(key) > SlotHash.getSlot(below)) {
                return key;
            }
        }
    }

    /** Answers EVALSHA like the script would: keys in {@code rejecting} reject, every call at server time 1000 µs. */
    static final class FakeCluster {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final Set<String> rejecting;
        volatile boolean refundsFail;

        FakeCluster(Set<String> rejecting) {
            this.rejecting = rejecting;
        }

        @SuppressWarnings("unchecked")
        RedisClusterReactiveCommands<String, String> commands() {
            return (RedisClusterReactiveCommands<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {RedisClusterReactiveCommands.class}, (proxy, method, args) -> {
                        if (!method.getName().equals("evalsha")) {
                            throw new UnsupportedOperationException(method.getName());
                        }
                        String[] keys = (String[]) args[2];
                        List<String> argv = Arrays.asList((String[]) args[3]);
                        int refund = argv.indexOf(LimitEngine.REFUND);
                        if (refund >= 0) {
                            calls.add("refund " + String.join(",", keys) + " at " + argv.get(refund + 1));
                            return refundsFail ? Flux.error(new IllegalStateException("node down")) : Flux.just(List.of(1L));
                        }
                        calls.add("eval " + String.join(",", keys));
                        boolean allowed = Arrays.stream(keys).noneMatch(rejecting::contains);
                        List<Object> reply = new ArrayList<>(List.of(allowed ? 1L : 0L));
                        for (String key : keys) {
                            reply.addAll(List.of(rejecting.contains(key) ? 0L : 1L, "5", "0", "0"));
                        }
                        if (argv.contains(LimitEngine.NOW)) {
                            reply.add("1000");
                        }
                        return Flux.just(reply);
                    });
        }
    }

    static final class CountingListener implements EngineListener {
        final AtomicInteger refunded = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();

        @Override
        public void refunded(int limits) {
            refunded.addAndGet(limits);
        }

        @Override
        public void refundFailed(int limits, Throwable error) {
            failed.addAndGet(limits);
        }
    }
}
