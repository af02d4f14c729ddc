package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The method tags of the HTTP meters take the standard methods as they are and every other name as UNKNOWN. */
class HttpMethodTagsTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();

    HttpMethodTagsTest() {
        registry.config().meterFilter(new MetricsConfiguration.HttpMethodTags());
    }

    @Test
    void standardMethodsStayAndOthersBecomeUnknown() {
        for (String method : List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
                "M000000", "M000001", "get", "PROPFIND", "")) {
            registry.timer("spring.cloud.gateway.requests", "httpMethod", method, "routeId", "demo").record(Duration.ofMillis(1));
            registry.timer("http.client.requests", "http.method", method, "error", "none").record(Duration.ofMillis(1));
            registry.more().longTaskTimer("http.client.requests.active", "http.method", method);
            registry.timer("http.server.requests", "method", method).record(Duration.ofMillis(1));
        }

        for (String name : List.of("spring.cloud.gateway.requests", "http.client.requests", "http.client.requests.active",
                "http.server.requests")) {
            assertThat(registry.find(name).meters()).extracting(HttpMethodTagsTest::method)
                    .containsExactlyInAnyOrder("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                            "PATCH", "UNKNOWN");
        }
        // the other tags are kept
        assertThat(registry.get("spring.cloud.gateway.requests").tags("httpMethod", "UNKNOWN", "routeId", "demo").timer()
                .count()).isEqualTo(5);
    }

    @Test
    void otherMetersAndOtherTagsAreLeftAlone() {
        registry.counter("limitguard.decisions", "method", "FOO").increment();
        registry.counter("http.client.requests.other", "route", "FOO").increment();

        assertThat(registry.get("limitguard.decisions").tag("method", "FOO").counter().count()).isEqualTo(1);
        assertThat(registry.get("http.client.requests.other").tag("route", "FOO").counter().count()).isEqualTo(1);
    }

    private static String method(Meter meter) {
        Meter.Id id = meter.getId();
        String method = id.getTag("httpMethod");
        if (method == null) {
            method = id.getTag("http.method");
        }
        return method != null ? method : id.getTag("method");
    }
}
