package io.limitguard.dashboard.web;

import io.limitguard.dashboard.TestInfra;
import io.limitguard.testsupport.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** When nothing listens at {@code limitguard.analytics.url}, history answers 502 problem+json. */
@ExtendWith(TestInfra.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "limitguard.dashboard.rsocket-tcp-port=0")
@AutoConfigureWebTestClient
class HistoryAnalyticsUnreachableTest {

    static final int NOBODY_LISTENS = Fixtures.freePort();

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", TestInfra::bootstrapServers);
        registry.add("limitguard.analytics.url", () -> "http://127.0.0.1:" + NOBODY_LISTENS);
    }

    @Autowired
    WebTestClient client;

    @Autowired
    ConfigurableApplicationContext context;

    @BeforeEach
    void register() {
        TestInfra.closeWithInfra(context);
    }

    @Test
    void answersBadGatewayAsProblemJsonNamingTheAnalyticsUrl() {
        client.get().uri("/api/v1/history/top-blocked?from=2026-11-29T14:00:00Z&to=2026-11-29T14:05:00Z")
                .exchange()
                .expectStatus().isEqualTo(502)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(502)
                .jsonPath("$.title").isEqualTo("Bad Gateway")
                .jsonPath("$.instance").isEqualTo("/api/v1/history/top-blocked")
                .jsonPath("$.detail").value(detail -> org.assertj.core.api.Assertions.assertThat((String) detail)
                        .contains("http://127.0.0.1:" + NOBODY_LISTENS));
    }
}
