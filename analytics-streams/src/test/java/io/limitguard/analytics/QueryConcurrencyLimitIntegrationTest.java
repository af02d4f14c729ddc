package io.limitguard.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.analytics.web.QueryConcurrencyLimit;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.KafkaFixture;
import io.limitguard.testsupport.RawHttp;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code limitguard.analytics.max-concurrent-queries} behind the real server: answers are held open by
 * clients that do not read a wide answer (the write timeout is long enough never to cut them here), so
 * the bound is full for as long as the test keeps them connected.
 */
class QueryConcurrencyLimitIntegrationTest {

    static final int BOUND = 2;

    static KafkaFixture kafka;
    static AnalyticsInstance app;
    static WebTestClient http;
    static MeterRegistry registry;

    @TempDir
    static Path stateDir;

    @BeforeAll
    static void start() {
        kafka = KafkaFixture.start();
        app = AnalyticsInstance.start(kafka.bootstrapServers(), "bound-it", stateDir, Map.of(
                "limitguard.analytics.topic-partitions", "1",
                "limitguard.analytics.max-concurrent-queries", String.valueOf(BOUND),
                "limitguard.analytics.write-timeout", "10m"));
        http = app.http();
        registry = app.context.getBean(MeterRegistry.class);
        // the stores are queryable: a query retries while they are not, for 5 s (query-retry-timeout) and then
        // answers 503; on a loaded machine the first assignment can take longer than that (seen in CI at load 29)
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> http.get().uri(small()).exchange()
                .expectStatus().isOk());
    }

    @AfterAll
    static void stop() {
        Closing.all(app, kafka);
    }

    private static long now() {
        return System.currentTimeMillis() / 1_000 * 1_000;
    }

    private static String small() {
        return "/api/v1/block-rate?route=shop&step=1s&from=" + Instant.ofEpochMilli(now() - 10_000)
                + "&to=" + Instant.ofEpochMilli(now());
    }

    /** 20,000 windows of 1 s (the most one query may ask for): ~3.9 MB, far beyond what a stuck socket takes. */
    private static String wide() {
        long from = now() - 60_000;
        return "/api/v1/block-rate?route=shop&step=1s&from=" + Instant.ofEpochMilli(from)
                + "&to=" + Instant.ofEpochMilli(from + 20_000_000L);
    }

    private static double active() {
        return registry.get(QueryConcurrencyLimit.ACTIVE_GAUGE).gauge().value();
    }

    private static double refused() {
        return registry.get(QueryConcurrencyLimit.REFUSED_COUNTER).counter().count();
    }

    private static void expectBusy(String uri) {
        http.get().uri(uri).exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().valueEquals(HttpHeaders.RETRY_AFTER, "1")
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("about:blank")
                .jsonPath("$.title").isEqualTo("Service Unavailable")
                .jsonPath("$.status").isEqualTo(503)
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("busy"))
                .jsonPath("$.instance").isEqualTo(uri.substring(0, uri.indexOf('?')));
    }

    @Test
    void beyondTheBoundAQueryIsRefusedWithA503ProblemHealthAndPeersAreNotAndDisconnectingGivesThePermitsBack() throws Exception {
        double refusedBefore = refused();
        try (RawHttp.StuckReader first = RawHttp.stuckReader(app.port, wide());
             RawHttp.StuckReader second = RawHttp.stuckReader(app.port, wide())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> active() == BOUND);

            expectBusy(small());
            expectBusy("/api/v1/top-blocked?from=" + Instant.ofEpochMilli(now() - 120_000) + "&to=" + Instant.ofEpochMilli(now()));
            assertThat(refused() - refusedBefore).isEqualTo(2.0);

            // Not limited: health, metrics, and the peer API (which other instances' held queries call).
            http.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("UP");
            http.get().uri("/actuator/prometheus").exchange().expectStatus().isOk();
            http.get().uri("/internal/v1/windows?step=1s&key=route:shop&partition=0&from=" + (now() - 60_000) + "&to=" + now())
                    .exchange().expectStatus().isOk();
            http.get().uri("/internal/v1/blocked-keys?partitions=0&from=" + (now() - 120_000) + "&to=" + now())
                    .exchange().expectStatus().isOk();

            assertThat(active()).as("refused and unlimited requests hold no permit; the stuck answers still do")
                    .isEqualTo(BOUND);
            assertThat(first.closedByServer()).isFalse();
            assertThat(second.closedByServer()).isFalse();
        }
        // The clients went away mid-answer: both permits come back (exactly: a double release would go below 0).
        await().atMost(Duration.ofSeconds(30)).until(() -> active() == 0);
        http.get().uri(small()).exchange().expectStatus().isOk();
        await().atMost(Duration.ofSeconds(10)).until(() -> active() == 0);
    }

    @Test
    void permitsComeBackAfterCompleteAnswersAndAfterErrorAnswers() {
        // More answers in a row than the bound: a permit kept by any of them would turn later ones into 503s.
        for (int i = 0; i < 3 * BOUND; i++) {
            http.get().uri(small()).exchange().expectStatus().isOk();
            http.get().uri("/api/v1/top-blocked?from=" + Instant.ofEpochMilli(now() - 120_000) + "&to=" + Instant.ofEpochMilli(now()))
                    .exchange().expectStatus().isOk();
            http.get().uri("/api/v1/block-rate?route=shop&step=5m&from=" + Instant.ofEpochMilli(now() - 120_000)
                    + "&to=" + Instant.ofEpochMilli(now())).exchange().expectStatus().isBadRequest();
            http.get().uri("/api/v1/nothing-here").exchange().expectStatus().isNotFound();
        }
        // given back once each: neither kept nor given back twice
        await().atMost(Duration.ofSeconds(10)).until(() -> active() == 0);
    }
}
