package io.limitguard.dashboard.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.dashboard.DashboardIntegrationTest;
import io.limitguard.dashboard.TestInfra;
import io.limitguard.testsupport.RawHttp;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** {@code /api/v1/history/...} against the running server and a stand-in of the analytics query API. */
class HistoryPassThroughTest extends DashboardIntegrationTest {

    private byte[] direct(String pathAndQuery) {
        return WebTestClient.bindToServer().baseUrl(TestInfra.analytics().url()).build()
                .get().uri(URI.create(TestInfra.analytics().url() + pathAndQuery))
                .exchange().expectBody().returnResult().getResponseBody();
    }

    @Test
    void relaysBlockRateStatusContentTypeAndBodyAsTheyAre() {
        String query = "route=demo&from=2026-11-29T14:00:00Z&to=2026-11-29T14:05:00Z&step=1m";
        byte[] body = client.get().uri(URI.create("http://127.0.0.1:" + port + "/api/v1/history/block-rate?" + query))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.dimension").isEqualTo("route")
                .jsonPath("$.id").isEqualTo("demo")
                .jsonPath("$.windows.length()").isEqualTo(5)
                .jsonPath("$.windows[0].start").isEqualTo("2026-11-29T14:00:00Z")
                .jsonPath("$.windows[4].end").isEqualTo("2026-11-29T14:05:00Z")
                .returnResult().getResponseBody();

        assertThat(body).isEqualTo(direct("/api/v1/block-rate?" + query));
        assertThat(TestInfra.analytics().requests()).contains("/api/v1/block-rate?" + query);
    }

    @Test
    void relaysTheQueryStringVerbatimIncludingEncodedCharacters() {
        // An offset instant with an encoded '+' must reach analytics still encoded, not as a space.
        String query = "rule=api%2Fper-client&from=2026-11-29T15:00:00%2B01:00&to=2026-11-29T14:00:02Z&step=1s";
        client.get().uri(URI.create("http://127.0.0.1:" + port + "/api/v1/history/block-rate?" + query))
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.dimension").isEqualTo("rule")
                .jsonPath("$.id").isEqualTo("api/per-client")
                .jsonPath("$.windows.length()").isEqualTo(2);
        assertThat(TestInfra.analytics().requests()).contains("/api/v1/block-rate?" + query);
    }

    @Test
    void relaysTopBlocked() {
        String query = "from=2026-11-29T14:00:00Z&to=2026-11-29T14:05:00Z&limit=10";
        client.get().uri(URI.create("http://127.0.0.1:" + port + "/api/v1/history/top-blocked?" + query))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.keys[0].key").isEqualTo("client-a")
                .jsonPath("$.keys[0].blocked").isEqualTo(42)
                .jsonPath("$.keys.length()").isEqualTo(3);
    }

    @Test
    void relaysAnAnalyticsErrorWithItsStatusContentTypeAndDetail() {
        String query = "route=demo&rule=x&from=2026-11-29T14:00:00Z&to=2026-11-29T14:05:00Z&step=1m";
        byte[] body = client.get().uri(URI.create("http://127.0.0.1:" + port + "/api/v1/history/block-rate?" + query))
                .exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(400)
                .jsonPath("$.detail").isEqualTo("exactly one of route or rule is required")
                .jsonPath("$.instance").isEqualTo("/api/v1/block-rate")
                .returnResult().getResponseBody();
        assertThat(body).isEqualTo(direct("/api/v1/block-rate?" + query));
    }

    @Test
    void relaysTheRetryAfterOfAnalyticsWhileItsStoresMigrate() {
        client.get().uri("/api/v1/history/block-rate?route=migrating&from=2026-11-29T14:00:00Z&to=2026-11-29T14:01:00Z&step=1m")
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals("Retry-After", "1");
    }

    @Test
    void answersNotFoundForAnUnknownHistoryQueryWithoutAskingAnalytics() {
        int before = TestInfra.analytics().requests().size();
        client.get().uri("/api/v1/history/keys?limit=3")
                .exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(404)
                .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("block-rate or top-blocked"));
        assertThat(TestInfra.analytics().requests()).hasSize(before);
    }

    @Test
    void aClientThatStopsReadingAWideAnswerIsDisconnectedAfterTheWriteTimeoutAndAReaderGetsAllOfIt() throws Exception {
        // 40,000 windows of 1 s: ~9 MB relayed in pieces as they come. It must be larger than what the kernel
        // takes into the socket's send buffer (here ~2 MB over loopback, at most net.ipv4.tcp_wmem's 4 MB):
        // an answer that fits there leaves nothing waiting in the server, and there is nothing to cut.
        String wide = "/api/v1/history/block-rate?route=wide&step=1s&from=2026-11-29T14:00:00Z&to=2026-11-30T01:06:40Z";
        // The same 4 KB receive buffer for both clients: only reading tells them apart. The stuck client asks
        // for something small first on the same connection: every request of a kept-alive connection is covered.
        try (RawHttp.StuckReader stuck = RawHttp.stuckReader(port, "/actuator/health", wide)) {
            // Without a write timeout the relay would stay stuck (holding what it read from analytics) for as
            // long as the client stays connected: this wait would time out.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(stuck::closedByServer);
            assertThat(stuck.drain()).as("bytes that reached the stuck client").isLessThan(1_000_000);
        }

        RawHttp.Response read = RawHttp.get(port, wide);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.body().length).isGreaterThan(8_000_000);
        assertThat(read.body()).isEqualTo(RawHttp.get(TestInfra.analytics().port(), wide.replace("/history", "")).body());
    }

    @Test
    void answersGatewayTimeoutWhenAnalyticsIsTooSlow() {
        client.get().uri("/api/v1/history/block-rate?route=slow&from=2026-11-29T14:00:00Z&to=2026-11-29T14:01:00Z&step=1m")
                .exchange()
                .expectStatus().isEqualTo(504)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(504)
                .jsonPath("$.instance").isEqualTo("/api/v1/history/block-rate")
                // what happened in the user's terms, not Reactor's "Did not observe any item or terminal signal"
                .jsonPath("$.detail").isEqualTo("Analytics query API at " + TestInfra.analytics().url()
                        + " did not answer within 5s (limitguard.analytics.timeout)");
    }

    @Test
    void theTimeoutIsNamedAsItWouldBeWritten() {
        assertThat(HistoryPassThrough.readable(Duration.ofSeconds(10))).isEqualTo("10s");
        assertThat(HistoryPassThrough.readable(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(HistoryPassThrough.readable(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(HistoryPassThrough.readable(Duration.ofHours(1))).isEqualTo("1h");
    }
}
