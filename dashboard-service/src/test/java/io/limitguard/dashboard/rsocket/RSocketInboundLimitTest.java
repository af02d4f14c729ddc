package io.limitguard.dashboard.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.dashboard.DashboardIntegrationTest;
import io.limitguard.events.CountsUpdate;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.messaging.rsocket.RSocketRequester;
import reactor.test.StepVerifier;

/**
 * A client may not send more than {@link RSocketServers#MAX_INBOUND_BYTES} in one (fragmented)
 * request: without that bound, one connection could make the server reassemble fragments until the
 * direct memory is exhausted. A normal fragmented request still works. (A single frame over the limit
 * is discarded by the transport's frame decoder as it arrives, without being buffered.)
 */
class RSocketInboundLimitTest extends DashboardIntegrationTest {

    private static final String HUGE_ROUTE = "r".repeat(4 * RSocketServers.MAX_INBOUND_BYTES);

    @Value("${local.rsocket.server.port}")
    int tcpPort;

    @Autowired
    RSocketRequester.Builder requesters;

    private final List<RSocketRequester> open = new ArrayList<>();

    @AfterEach
    void disconnect() {
        open.forEach(RSocketRequester::dispose);
    }

    @Test
    void tcpRefusesAFragmentedRequestLargerThanTheLimit() {
        assertRefused(track(requesters.rsocketConnector(c -> c.fragment(1024)).tcp("127.0.0.1", tcpPort)));
    }

    @Test
    void webSocketRefusesAFragmentedRequestLargerThanTheLimit() {
        assertRefused(track(requesters.rsocketConnector(c -> c.fragment(1024))
                .websocket(URI.create("ws://127.0.0.1:" + port + RSocketServers.WEBSOCKET_PATH))));
    }

    @Test
    void aSmallFragmentedRequestIsStillServed() {
        RSocketRequester requester = track(requesters.rsocketConnector(c -> c.fragment(64)).tcp("127.0.0.1", tcpPort));
        StepVerifier.create(requester.route("counts.stream")
                        .data(new CountsStreamRSocketController.StreamRequest("r".repeat(500)))
                        .retrieveFlux(CountsUpdate.class))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(500))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    private void assertRefused(RSocketRequester requester) {
        StepVerifier.create(requester.route("counts.stream")
                        .data(new CountsStreamRSocketController.StreamRequest(HUGE_ROUTE))
                        .retrieveFlux(CountsUpdate.class))
                .expectErrorSatisfies(e -> assertThat(e).isNotNull())
                .verify(Duration.ofSeconds(10));
    }

    private RSocketRequester track(RSocketRequester requester) {
        open.add(requester);
        return requester;
    }
}
