package io.limitguard.analytics.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * The permit accounting of {@link QueryConcurrencyLimit}, end by end, with the end of each response (the
 * written response or the closed connection, which Reactor Netty reports) in the test's hands: held until
 * then even when the chain has completed, given back once on a written response, a failed write and a
 * client that went away, never twice (a second release would show as a count below 0). The same behind
 * the real server and real clients: {@code QueryConcurrencyLimitIntegrationTest}.
 */
class QueryConcurrencyLimitTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** The end of each response the filter asked for, in order. */
    private final List<Sinks.Empty<Void>> responseEnds = new ArrayList<>();
    private final QueryConcurrencyLimit limit = new QueryConcurrencyLimit(2, ServerCodecConfigurer.create().getWriters(),
            registry, exchange -> {
                Sinks.Empty<Void> end = Sinks.empty();
                responseEnds.add(end);
                return end.asMono();
            });
    private final AtomicInteger chainCalls = new AtomicInteger();

    private static MockServerWebExchange get(String path) {
        return MockServerWebExchange.from(MockServerHttpRequest.get(path));
    }

    private WebFilterChain chain(Mono<Void> answer) {
        return exchange -> {
            chainCalls.incrementAndGet();
            return answer;
        };
    }

    private Sinks.Empty<Void> lastEnd() {
        return responseEnds.get(responseEnds.size() - 1);
    }

    @Test
    void aPermitIsHeldAfterTheChainCompletesUntilTheResponseIsWrittenThenGivenBackOnce() {
        for (int i = 0; i < 5; i++) {
            StepVerifier.create(limit.filter(get("/api/v1/block-rate"), chain(Mono.empty()))).verifyComplete();
            assertThat(limit.active()).as("the chain is done, the response is not written yet").isEqualTo(1);
            lastEnd().tryEmitEmpty();
            assertThat(limit.active()).isZero();
        }
        assertThat(chainCalls).hasValue(5); // more answers in a row than permits: none was kept
    }

    @Test
    void aPermitIsGivenBackOnceWhenTheWriteFailsOrTheConnectionCloses() {
        for (int i = 0; i < 5; i++) {
            StepVerifier.create(limit.filter(get("/api/v1/top-blocked"), chain(Mono.empty()))).verifyComplete();
            lastEnd().tryEmitError(new IOException("Connection reset by peer"));
            assertThat(limit.active()).isZero();
        }
    }

    @Test
    void aChainThatFailsOrThrowsHoldsThePermitUntilItsErrorResponseIsWritten() {
        StepVerifier.create(limit.filter(get("/api/v1/top-blocked"), chain(Mono.error(new IllegalStateException("boom")))))
                .verifyErrorMessage("boom");
        WebFilterChain throwing = exchange -> {
            throw new IllegalStateException("thrown");
        };
        StepVerifier.create(limit.filter(get("/api/v1/top-blocked"), throwing)).verifyErrorMessage("thrown");
        assertThat(limit.active()).isEqualTo(2); // the error responses are written after this filter
        responseEnds.forEach(Sinks.Empty::tryEmitEmpty);
        assertThat(limit.active()).isZero();
    }

    @Test
    void aPermitIsGivenBackOnceWhenTheClientGoesAwayWhileTheAnswerIsComputed() {
        for (int i = 0; i < 5; i++) {
            StepVerifier.create(limit.filter(get("/api/v1/block-rate"), chain(Mono.never())))
                    .expectSubscription()
                    .then(() -> assertThat(limit.active()).isEqualTo(1))
                    .thenCancel()
                    .verify();
            assertThat(limit.active()).isZero();
            lastEnd().tryEmitEmpty(); // the connection's end comes after the cancel: not a second release
            assertThat(limit.active()).isZero();
        }
        assertThat(limit.active()).isZero();
    }

    @Test
    void aPermitIsTakenOnSubscriptionNotWhenTheFilterIsCalled() {
        limit.filter(get("/api/v1/block-rate"), chain(Mono.never())); // never subscribed
        assertThat(limit.active()).isZero();
        assertThat(chainCalls).hasValue(0);
    }

    @Test
    void beyondTheBoundTheAnswerIsA503ProblemAtOnceAndTheChainIsNotCalled() {
        Disposable held1 = limit.filter(get("/api/v1/block-rate"), chain(Mono.never())).subscribe();
        Disposable held2 = limit.filter(get("/api/v1/top-blocked"), chain(Mono.never())).subscribe();
        assertThat(limit.active()).isEqualTo(2);

        MockServerWebExchange refused = get("/api/v1/block-rate?route=a");
        StepVerifier.create(limit.filter(refused, chain(Mono.empty()))).verifyComplete();
        assertThat(chainCalls).hasValue(2);
        assertThat(refused.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(refused.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
        assertThat(refused.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(refused.getResponse().getBodyAsString().block())
                .contains("\"type\":\"about:blank\"", "\"title\":\"Service Unavailable\"", "\"status\":503",
                        "\"detail\":\"The service is busy", "\"instance\":\"/api/v1/block-rate\"");
        assertThat(registry.get(QueryConcurrencyLimit.REFUSED_COUNTER).counter().count()).isEqualTo(1.0);
        assertThat(limit.active()).as("a refused query holds no permit").isEqualTo(2);
        assertThat(responseEnds).as("nor waits for its end").hasSize(2);

        held1.dispose(); // the clients go away
        held2.dispose();
        assertThat(limit.active()).isZero();
        StepVerifier.create(limit.filter(get("/api/v1/block-rate"), chain(Mono.empty()))).verifyComplete();
        assertThat(chainCalls).hasValue(3);
    }

    @Test
    void actuatorAndThePeerApiAreNeverCountedNorRefused() {
        Disposable held1 = limit.filter(get("/api/v1/block-rate"), chain(Mono.never())).subscribe();
        Disposable held2 = limit.filter(get("/api/v1/block-rate"), chain(Mono.never())).subscribe();
        for (String path : new String[] {"/actuator/health", "/actuator/prometheus", "/internal/v1/windows?step=1s",
                "/internal/v1/blocked-keys?partitions=0"}) {
            MockServerWebExchange exchange = get(path);
            StepVerifier.create(limit.filter(exchange, chain(Mono.empty()))).verifyComplete();
            assertThat(exchange.getResponse().getStatusCode()).as(path).isNull(); // untouched: the chain answers
        }
        assertThat(chainCalls).hasValue(2 + 4);
        assertThat(limit.active()).isEqualTo(2);
        held1.dispose();
        held2.dispose();
    }

    @Test
    void everySpellingThatTheHandlerMappingsRouteToTheQueryApiIsCounted() {
        // ;parameters are ignored by the handler mappings' matching, and so by the filter's
        for (String path : new String[] {"/api/v1/block-rate", "/api;x=1/v1/block-rate", "/api/v1;x/top-blocked", "/api/v1/nothing-here"}) {
            StepVerifier.create(limit.filter(get(path), chain(Mono.never())))
                    .expectSubscription()
                    .then(() -> assertThat(limit.active()).as(path).isEqualTo(1))
                    .thenCancel()
                    .verify();
        }
    }
}
