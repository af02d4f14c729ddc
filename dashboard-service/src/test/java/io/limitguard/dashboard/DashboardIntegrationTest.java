package io.limitguard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.dashboard.counts.CountsConsumer;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Base of the tests that run the whole dashboard on a random port against the shared real broker and
 * the analytics stand-in. All subclasses have the same configuration, so Spring starts ONE context
 * for all of them.
 */
@ExtendWith(TestInfra.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "limitguard.dashboard.rsocket-tcp-port=0",
        "limitguard.dashboard.heartbeat=500ms",
        "limitguard.dashboard.subscriber-buffer=64",
        "limitguard.analytics.timeout=5s",
        // Short, so the test of a client that does not read is quick; every stream test runs with it too,
        // which shows that clients that read (SSE, RSocket over WebSocket, the page) are never cut.
        "limitguard.dashboard.write-timeout=1s",
        // Short too, for the same reason: streams outlive it, a connection that sends nothing does not.
        "server.netty.idle-timeout=1s"})
public abstract class DashboardIntegrationTest {

    protected static final int SUBSCRIBER_BUFFER = 64;

    /** The dashboard's HTTP port. */
    @LocalServerPort
    protected int port;

    /** A client of the dashboard's HTTP server. */
    protected WebTestClient client;

    @Autowired
    protected CountsConsumer consumer;

    @Autowired
    private ConfigurableApplicationContext context;

    static {
        BlockingCalls.install();
    }

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", TestInfra::bootstrapServers);
        registry.add("limitguard.analytics.url", () -> TestInfra.analytics().url());
    }

    @BeforeEach
    void bindClient() {
        client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
    }

    @BeforeEach
    void consumerReads() {
        TestInfra.closeWithInfra(context);
        // The consumer starts at the end of the topic: produce only once it owns its partitions.
        await().atMost(Duration.ofSeconds(60)).until(consumer::isReading);
    }

    @AfterAll
    static void noBlockingCallOnANettyOrReactorThread() {
        assertThat(BlockingCalls.seen()).as("blocking calls on non-blocking threads").isEmpty();
    }

    /** A route id no other test uses, so concurrent streams never see each other's updates. */
    protected static String uniqueRoute(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
