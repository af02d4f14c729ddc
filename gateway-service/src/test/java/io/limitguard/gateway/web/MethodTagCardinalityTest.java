package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.OneGateway;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.testsupport.Closing;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests with made-up method names, proxied by a route, add no series of their own to {@code /actuator/prometheus}:
 * Spring Cloud Gateway's and the upstream call's meters count them under {@code UNKNOWN}
 * (config.MetricsConfiguration), as Spring's {@code http.server.requests} does.
 */
class MethodTagCardinalityTest {

    private static final List<String> ODD_METHODS = List.of("M000000", "M000001", "FROBNICATE", "get", "PROPFIND");

    private static OneGateway bed;

    @BeforeAll
    static void start() {
        bed = OneGateway.start(upstream -> new Rules()
                .route("demo", upstream.uri(), "/demo/**")
                .rule("per-client", "demo", "header:X-API-Key", "open", "burst", 1000, 1000));
    }

    @AfterAll
    static void stop() {
        Closing.all(bed);
    }

    @Test
    void oddMethodsAreCountedAsUnknownNotOneSeriesEach() {
        for (String method : ODD_METHODS) {
            assertThat(send(method)).as(method).isEqualTo(200); // proxied: the route has no method predicate
        }
        assertThat(send("GET")).isEqualTo(200);
        assertThat(bed.upstream().requests()).isEqualTo(ODD_METHODS.size() + 1);

        // the meters are recorded as each exchange ends, which may be just after its answer reached the client
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(prometheus())
                .contains("spring_cloud_gateway_requests_seconds_count{httpMethod=\"UNKNOWN\"")
                .contains("spring_cloud_gateway_requests_seconds_count{httpMethod=\"GET\"")
                .containsPattern("http_client_requests_seconds_count\\{[^}]*http_method=\"UNKNOWN\"")
                .containsPattern("http_client_requests_seconds_count\\{[^}]*http_method=\"GET\"")
                .containsPattern("http_server_requests_seconds_count\\{[^}]*method=\"UNKNOWN\""));

        String metrics = prometheus();
        for (String method : ODD_METHODS) {
            assertThat(metrics).as("a series for %s", method).doesNotContain("=\"" + method + "\"");
        }
        assertThat(metrics).containsPattern(
                "spring_cloud_gateway_requests_seconds_count\\{httpMethod=\"UNKNOWN\",[^}]*routeId=\"demo\"[^}]*} 5");
    }

    private static int send(String method) {
        return bed.http().request(method, bed.gateway().baseUrl() + "/demo/x", Map.of("X-API-Key", "methods"), null)
                .block(Duration.ofSeconds(30)).status();
    }

    private static String prometheus() {
        HttpProbe.Response response = bed.http().getNow(bed.gateway().baseUrl() + "/actuator/prometheus", Map.of());
        assertThat(response.status()).isEqualTo(200);
        return response.body();
    }
}
