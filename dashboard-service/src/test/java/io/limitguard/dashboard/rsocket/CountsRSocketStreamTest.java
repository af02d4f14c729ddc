package io.limitguard.dashboard.rsocket;

import static io.limitguard.dashboard.TestInfra.routeUpdate;
import static io.limitguard.dashboard.TestInfra.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.dashboard.DashboardIntegrationTest;
import io.limitguard.dashboard.counts.CountsHub;
import io.limitguard.events.CountsUpdate;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.messaging.rsocket.RSocketRequester;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** {@code counts.stream} over both transports, against the running server and the real broker. */
class CountsRSocketStreamTest extends DashboardIntegrationTest {

    @Value("${local.rsocket.server.port}")
    int tcpPort;

    @Autowired
    RSocketRequester.Builder requesters;

    @Autowired
    CountsHub hub;

    RSocketRequester requester;

    @AfterEach
    void disconnect() {
        if (requester != null) {
            requester.dispose();
        }
    }

    @Test
    void tcpTransportStreamsTheRequestedRoute() {
        requester = requesters.tcp("127.0.0.1", tcpPort);
        assertStreamsOnlyTheRequestedRoute(requester, "tcp");
    }

    @Test
    void webSocketTransportAtSlashRSocketStreamsTheRequestedRoute() {
        requester = requesters.websocket(URI.create("ws://127.0.0.1:" + port + "/rsocket"));
        assertStreamsOnlyTheRequestedRoute(requester, "ws");
    }

    @Test
    void withoutPayloadStreamsEveryRoute() {
        requester = requesters.tcp("127.0.0.1", tcpPort);
        String a = uniqueRoute("any-a");
        String b = uniqueRoute("any-b");
        Flux<CountsUpdate> all = requester.route("counts.stream").retrieveFlux(CountsUpdate.class);

        // Two keys may sit on two partitions: their relative order is not defined, only that both come.
        StepVerifier.create(all.filter(u -> u.id().equals(a) || u.id().equals(b)).map(CountsUpdate::id).take(2).collectList())
                .then(whenSubscribed(() -> {
                    send(routeUpdate(a, 1_800_000_000_000L, 1, 0));
                    send(routeUpdate(b, 1_800_000_000_000L, 1, 0));
                }))
                .assertNext(ids -> assertThat(ids).containsExactlyInAnyOrder(a, b))
                .verifyComplete();
    }

    /**
     * The server's idle timeout (1 s in these tests) is for connections waiting for a request: a WebSocket on which
     * the client sends nothing for three times as long (RSocket's keepalive comes every 20 s) stays open.
     */
    @Test
    void aWebSocketStreamOutlivesTheIdleTimeout() {
        requester = requesters.websocket(URI.create("ws://127.0.0.1:" + port + "/rsocket"));
        String route = uniqueRoute("ws-idle");
        long t0 = 1_800_000_000_000L;
        Flux<CountsUpdate> stream = requester.route("counts.stream")
                .data(new CountsStreamRSocketController.StreamRequest(route)).retrieveFlux(CountsUpdate.class);

        StepVerifier.create(stream.take(2))
                .then(whenSubscribed(() -> send(routeUpdate(route, t0, 1, 0))))
                .assertNext(expect(route, t0, 1, 0))
                .expectNoEvent(Duration.ofSeconds(3))
                .then(() -> send(routeUpdate(route, t0 + 1000, 2, 0)))
                .assertNext(expect(route, t0 + 1000, 2, 0))
                .verifyComplete();
    }

    private void assertStreamsOnlyTheRequestedRoute(RSocketRequester requester, String prefix) {
        String route = uniqueRoute(prefix);
        String other = uniqueRoute(prefix + "-other");
        Flux<CountsUpdate> stream = requester.route("counts.stream")
                .data(new CountsStreamRSocketController.StreamRequest(route))
                .retrieveFlux(CountsUpdate.class);

        long t0 = 1_800_000_000_000L;
        StepVerifier.create(stream.take(3))
                .then(whenSubscribed(() -> {
                    for (int i = 0; i < 3; i++) {
                        send(routeUpdate(other, t0 + i * 1000, 50, 50));
                        send(routeUpdate(route, t0 + i * 1000, 20 + i, 2 * i));
                    }
                }))
                .assertNext(expect(route, t0, 20, 0))
                .assertNext(expect(route, t0 + 1000, 21, 2))
                .assertNext(expect(route, t0 + 2000, 22, 4))
                .verifyComplete();
    }

    /**
     * Produces only once the server-side subscription exists (the stream starts at "now"). Streams of
     * earlier tests are closed asynchronously, so this first waits until none is left.
     */
    private Runnable whenSubscribed(Runnable produce) {
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.subscriberCount() == 0);
        return () -> {
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.subscriberCount() > 0);
            produce.run();
        };
    }

    private static java.util.function.Consumer<CountsUpdate> expect(String route, long windowStart, long allowed, long blocked) {
        return update -> {
            assertThat(update.dimension()).isEqualTo(CountsUpdate.Dimension.ROUTE);
            assertThat(update.id()).isEqualTo(route);
            assertThat(update.windowStart()).isEqualTo(windowStart);
            assertThat(update.counts().allowed()).isEqualTo(allowed);
            assertThat(update.counts().blocked()).isEqualTo(blocked);
        };
    }
}
