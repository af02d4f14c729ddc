package io.limitguard.dashboard.web;

import static io.limitguard.dashboard.TestInfra.routeUpdate;
import static io.limitguard.dashboard.TestInfra.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.dashboard.DashboardIntegrationTest;
import io.limitguard.dashboard.TestInfra;
import io.limitguard.events.CountsUpdate;
import io.limitguard.events.JsonSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.FluxExchangeResult;
import reactor.core.publisher.Flux;

/** The SSE stream against the running server, fed through the real broker. */
class CountsSseStreamTest extends DashboardIntegrationTest {

    private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {
    };

    private Flux<ServerSentEvent<String>> open(String uri) {
        FluxExchangeResult<ServerSentEvent<String>> result = client.get().uri(uri)
                .accept(MediaType.TEXT_EVENT_STREAM)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .expectHeader().cacheControl(CacheControl.noStore())
                .expectHeader().valueEquals("X-Accel-Buffering", "no")
                .returnResult(SSE);
        return result.getResponseBody();
    }

    private static CountsUpdate parse(ServerSentEvent<String> event) {
        return JsonSerde.MAPPER.readValue(event.data().getBytes(StandardCharsets.UTF_8), CountsUpdate.class);
    }

    @Test
    void streamsCountsEventsOfTheRequestedRouteWithIncreasingIds() {
        String route = uniqueRoute("sse");
        String other = uniqueRoute("other");
        // Response headers arrive with the first heartbeat, after the hub subscription exists.
        Flux<ServerSentEvent<String>> events = open("/api/v1/stream?route=" + route);

        long t0 = 1_800_000_000_000L;
        for (int i = 0; i < 5; i++) {
            send(routeUpdate(other, t0 + i * 1000, 100, 100));
            send(routeUpdate(route, t0 + i * 1000, 10 + i, i));
        }

        List<ServerSentEvent<String>> counts = events.filter(e -> "counts".equals(e.event()))
                .take(5).collectList().block(Duration.ofSeconds(30));

        assertThat(counts).hasSize(5);
        for (int i = 0; i < 5; i++) {
            CountsUpdate update = parse(counts.get(i));
            assertThat(update.dimension()).isEqualTo(CountsUpdate.Dimension.ROUTE);
            assertThat(update.id()).isEqualTo(route);
            assertThat(update.step()).isEqualTo("1s");
            assertThat(update.windowStart()).isEqualTo(t0 + i * 1000);
            assertThat(update.windowEnd()).isEqualTo(t0 + i * 1000 + 1000);
            assertThat(update.counts().allowed()).isEqualTo(10 + i);
            assertThat(update.counts().blocked()).isEqualTo(i);
        }
        List<Long> ids = counts.stream().map(e -> Long.parseLong(e.id())).toList();
        assertThat(ids).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void withoutFilterStreamsEveryRouteAndRuleUpdate() {
        String route = uniqueRoute("all");
        Flux<ServerSentEvent<String>> events = open("/api/v1/stream");

        CountsUpdate rule = new CountsUpdate(CountsUpdate.VERSION, CountsUpdate.Dimension.RULE, route + "-rule", "1s",
                1_800_000_000_000L, 1_800_000_001_000L, routeUpdate(route, 0, 3, 4).counts());
        send(routeUpdate(route, 1_800_000_000_000L, 1, 2));
        send(rule);

        List<CountsUpdate> mine = events.filter(e -> "counts".equals(e.event()))
                .map(CountsSseStreamTest::parse)
                .filter(u -> u.id().startsWith(route))
                .take(2).collectList().block(Duration.ofSeconds(30));

        assertThat(mine).extracting(CountsUpdate::topicKey).containsExactlyInAnyOrder("route:" + route, "rule:" + route + "-rule");
        assertThat(mine).filteredOn(u -> u.dimension() == CountsUpdate.Dimension.RULE)
                .singleElement().satisfies(u -> assertThat(u.counts().blocked()).isEqualTo(4));
    }

    @Test
    void sendsHeartbeatsRightAwayAndThenPeriodicallyWithARetryHint() {
        List<ServerSentEvent<String>> heartbeats = open("/api/v1/stream?route=" + uniqueRoute("quiet"))
                .take(3).collectList().block(Duration.ofSeconds(30));

        assertThat(heartbeats).hasSize(3).allSatisfy(event -> {
            assertThat(event.event()).isEqualTo("heartbeat");
            assertThat(event.retry()).isEqualTo(Duration.ofSeconds(2));
            assertThat(event.data()).matches("\\{\"serverTime\":\\d{13},\"intervalMs\":500}");
        });
    }

    /** The server's idle timeout (1 s in these tests) is for connections waiting for a request, not for a stream. */
    @Test
    void aStreamOutlivesTheIdleTimeout() {
        List<ServerSentEvent<String>> heartbeats = open("/api/v1/stream?route=" + uniqueRoute("long"))
                .take(8).collectList().block(Duration.ofSeconds(30));

        assertThat(heartbeats).hasSize(8).allSatisfy(event -> assertThat(event.event()).isEqualTo("heartbeat"));
    }

    @Test
    void skipsAnUnreadableRecordAndKeepsStreaming() {
        String route = uniqueRoute("poison");
        Flux<ServerSentEvent<String>> events = open("/api/v1/stream?route=" + route);

        TestInfra.sendRaw("route:" + route, "{not json".getBytes(StandardCharsets.UTF_8));
        send(routeUpdate(route, 1_800_000_000_000L, 7, 1));

        ServerSentEvent<String> first = events.filter(e -> "counts".equals(e.event()))
                .next().block(Duration.ofSeconds(30));
        assertThat(parse(first).counts().allowed()).isEqualTo(7);
        assertThat(consumer.isReading()).isTrue();
    }

    @Test
    void healthShowsTheConsumerReadingItsPartitions() {
        client.get().uri("/actuator/health").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.countsConsumer.status").isEqualTo("UP")
                .jsonPath("$.components.countsConsumer.details.partitions").isEqualTo(2);
    }

    /** Module server-guards: Spring Boot alone answers 500 and logs a stack trace for it. */
    @Test
    void aHealthPathBelowAnUnknownNameIs404() {
        client.get().uri("/actuator/health/nosuch/x").exchange().expectStatus().isNotFound();
        client.get().uri("/actuator/health/countsConsumer/x").exchange().expectStatus().isNotFound();
    }
}
