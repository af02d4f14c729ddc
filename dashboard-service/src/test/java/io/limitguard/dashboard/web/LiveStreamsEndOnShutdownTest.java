package io.limitguard.dashboard.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.dashboard.config.DashboardProperties;
import io.limitguard.dashboard.counts.CountsHub;
import io.limitguard.events.CountsUpdate;
import io.limitguard.events.OutcomeCounts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.context.SmartLifecycle;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import reactor.test.StepVerifier;

/**
 * A live stream never ends on its own, so the web server's graceful shutdown would wait its whole
 * timeout (30 s) for every open browser: the hub stops first (highest lifecycle phase) and ends them,
 * and serves again once started again.
 */
class LiveStreamsEndOnShutdownTest {

    private final DashboardProperties properties = new DashboardProperties(16, Duration.ofMillis(50), 0, "test", Duration.ofSeconds(30), 8192);

    @Test
    void stoppingTheHubEndsAnSseStreamDespiteItsHeartbeats() {
        CountsHub hub = started();
        StepVerifier.create(new CountsStreamController(hub, properties).stream(null, new MockServerHttpResponse()))
                .expectNextMatches(event -> "heartbeat".equals(event.event()))
                .then(hub::stop)
                .thenConsumeWhile(event -> "heartbeat".equals(event.event()))
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void stoppingTheHubEndsEveryOtherSubscriberTooAndItRunsBeforeTheGracefulShutdown() {
        CountsHub hub = started();
        StepVerifier.create(hub.stream(null))
                .then(hub::stop)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(hub.isRunning()).isFalse();

        // started again (a context restarted, as Spring's test context cache does): new streams are live again
        hub.start();
        StepVerifier.create(hub.stream(null).map(live -> live.update().id()))
                .then(() -> hub.publish(update("r1")))
                .expectNext("r1")
                .then(hub::stop)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        // Spring Boot's graceful web server shutdown runs at SmartLifecycle.DEFAULT_PHASE - 1024; higher stops first
        assertThat(hub.getPhase())
                .isGreaterThan(SmartLifecycle.DEFAULT_PHASE - 1024);
    }

    private static CountsUpdate update(String route) {
        return new CountsUpdate(CountsUpdate.VERSION, CountsUpdate.Dimension.ROUTE, route, "1s", 0, 1000,
                new OutcomeCounts(1, 0, 0, 0, 0, 0, 0));
    }

    private CountsHub started() {
        CountsHub hub = new CountsHub(properties, new SimpleMeterRegistry());
        hub.start();
        return hub;
    }
}
