package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.gateway.config.RuleProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * What goes out in which script call, with the calls answered by the test: one call in flight at a
 * time, the requests that arrived meanwhile together in the next one, each request answered with its
 * own answer.
 */
class DecisionBatcherTest {

    /** Every call the batcher made: its requests, and the sink that answers it. */
    private final List<List<List<LimitCall>>> sent = new ArrayList<>();
    private final List<Sinks.One<List<Mono<Evaluation>>>> calls = new ArrayList<>();

    private DecisionBatcher batcher(int maxRequests) {
        return new DecisionBatcher(maxRequests, requests -> {
            Sinks.One<List<Mono<Evaluation>>> call = Sinks.one();
            sent.add(requests);
            calls.add(call);
            return call.asMono();
        });
    }

    @Test
    void aRequestThatFindsNoCallInFlightGoesOutAloneAtOnce() {
        DecisionBatcher batcher = batcher(8);

        CompletableFuture<Evaluation> answer = batcher.submit(request(1)).toFuture();

        assertThat(sent).containsExactly(List.of(request(1)));
        answer(0, evaluation(1));
        assertThat(answer).isCompletedWithValue(evaluation(1));
    }

    @Test
    void requestsArrivingWhileACallIsInFlightGoOutTogetherInOrderOnceItIsBack() {
        DecisionBatcher batcher = batcher(8);
        List<CompletableFuture<Evaluation>> answers = submit(batcher, 1, 2, 3, 4);
        assertThat(sent).as("only the first went out").containsExactly(List.of(request(1)));

        answer(0, evaluation(1));

        assertThat(sent).hasSize(2);
        assertThat(sent.get(1)).containsExactly(request(2), request(3), request(4));
        assertThat(answers.get(1)).isNotDone();
        answer(1, evaluation(2), evaluation(3), evaluation(4));
        assertThat(answers).extracting(CompletableFuture::join)
                .containsExactly(evaluation(1), evaluation(2), evaluation(3), evaluation(4));
    }

    @Test
    void aCallCarriesAtMostMaxRequests() {
        DecisionBatcher batcher = batcher(2);
        List<CompletableFuture<Evaluation>> answers = submit(batcher, 1, 2, 3, 4);

        answer(0, evaluation(1));
        assertThat(sent.get(1)).containsExactly(request(2), request(3));
        answer(1, evaluation(2), evaluation(3));
        assertThat(sent.get(2)).containsExactly(request(4));
        answer(2, evaluation(4));

        assertThat(sent).hasSize(3);
        assertThat(answers).allMatch(CompletableFuture::isDone);
    }

    @Test
    void aCallCarriesAtMostMaxLimitsPerCallAndTheRequestThatDidNotFitGoesFirstInTheNext() {
        DecisionBatcher batcher = batcher(32);
        int perRequest = RuleProperties.MAX_LIMITS_PER_ROUTE;
        int fit = DecisionBatcher.MAX_LIMITS_PER_CALL / perRequest;
        List<CompletableFuture<Evaluation>> answers = new ArrayList<>();
        for (int id = 1; id <= fit + 3; id++) {
            answers.add(batcher.submit(request(id, perRequest)).toFuture());
        }

        answer(0, evaluation(1));
        assertThat(sent.get(1)).as("as many requests as their limits fit in one call")
                .containsExactlyElementsOf(IntStream.rangeClosed(2, fit + 1).mapToObj(id -> request(id, perRequest)).toList());
        answer(1, IntStream.rangeClosed(2, fit + 1).mapToObj(DecisionBatcherTest::evaluation).toArray(Evaluation[]::new));
        assertThat(sent.get(2)).containsExactly(request(fit + 2, perRequest), request(fit + 3, perRequest));
        answer(2, evaluation(fit + 2), evaluation(fit + 3));

        assertThat(sent).hasSize(3);
        assertThat(answers).extracting(CompletableFuture::join)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, fit + 3).mapToObj(DecisionBatcherTest::evaluation).toList());
    }

    @Test
    void theErrorOfOneRequestFailsThatRequestOnly() {
        DecisionBatcher batcher = batcher(8);
        List<CompletableFuture<Evaluation>> answers = submit(batcher, 1, 2, 3, 4);
        answer(0, evaluation(1));

        IllegalArgumentException invalid = new IllegalArgumentException("LG_BAD_ARG");
        calls.get(1).tryEmitValue(List.of(Mono.just(evaluation(2)), Mono.error(invalid), Mono.just(evaluation(4))));

        assertThat(answers.get(1)).isCompletedWithValue(evaluation(2));
        assertThat(failure(answers.get(2))).isSameAs(invalid);
        assertThat(answers.get(3)).isCompletedWithValue(evaluation(4));
    }

    @Test
    void aFailedCallFailsAllItsRequestsAndTheNextOneStillGoesOut() {
        DecisionBatcher batcher = batcher(8);
        List<CompletableFuture<Evaluation>> answers = submit(batcher, 1, 2, 3);
        IllegalStateException down = new IllegalStateException("Redis down");

        calls.get(0).tryEmitError(down);
        assertThat(failure(answers.get(0))).isSameAs(down);
        calls.get(1).tryEmitError(down);

        assertThat(failure(answers.get(1))).isSameAs(down);
        assertThat(failure(answers.get(2))).isSameAs(down);
        CompletableFuture<Evaluation> after = batcher.submit(request(5)).toFuture();
        assertThat(sent).hasSize(3);
        answer(2, evaluation(5));
        assertThat(after).isCompletedWithValue(evaluation(5));
    }

    @Test
    void aRequestCancelledWhileItWaitedIsLeftOut() {
        DecisionBatcher batcher = batcher(8);
        CompletableFuture<Evaluation> first = batcher.submit(request(1)).toFuture();
        Disposable gaveUp = batcher.submit(request(2)).subscribe();
        CompletableFuture<Evaluation> third = batcher.submit(request(3)).toFuture();

        gaveUp.dispose();
        answer(0, evaluation(1));

        assertThat(sent.get(1)).containsExactly(request(3));
        answer(1, evaluation(3));
        assertThat(first).isCompletedWithValue(evaluation(1));
        assertThat(third).isCompletedWithValue(evaluation(3));
    }

    private List<CompletableFuture<Evaluation>> submit(DecisionBatcher batcher, int... ids) {
        return IntStream.of(ids).mapToObj(id -> batcher.submit(request(id)).toFuture()).toList();
    }

    /** What {@code answer} failed with (the future of a Mono fails with the Mono's own error). */
    private static Throwable failure(CompletableFuture<?> answer) {
        assertThat(answer).isCompletedExceptionally();
        return answer.handle((value, error) -> error).join();
    }

    private void answer(int call, Evaluation... evaluations) {
        List<Mono<Evaluation>> answers = new ArrayList<>();
        for (Evaluation evaluation : evaluations) {
            answers.add(Mono.just(evaluation));
        }
        calls.get(call).tryEmitValue(answers);
    }

    private static List<LimitCall> request(int id) {
        return request(id, 1);
    }

    private static List<LimitCall> request(int id, int limits) {
        return IntStream.range(0, limits).mapToObj(i -> new LimitCall("lg:{batch:" + id + "}:t" + i,
                new TokenBucketLimit("t" + i, 10, 1), 1, id)).toList();
    }

    /** A distinct answer per request: the remaining count says whose it is. */
    private static Evaluation evaluation(int id) {
        return new Evaluation(true, List.of(new LimitVerdict(true, id, 0, 0)));
    }
}
