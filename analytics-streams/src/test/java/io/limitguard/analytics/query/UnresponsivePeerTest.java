package io.limitguard.analytics.query;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.limitguard.analytics.topology.Step;
import io.limitguard.events.CountsUpdate.Dimension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A peer that hosts the key's partition but does not answer (hung JVM, host gone without a RST):
 * the query must end with 503 (StoresUnavailableException) about when queryRetryTimeout says, not
 * after one 5 s peer timeout per retry attempt (retryTimeout / 200 ms attempts).
 */
class UnresponsivePeerTest {

    @Test
    @SuppressWarnings("unchecked")
    void aPeerThatNeverAnswersEndsTheQueryWithinTheRetryTimeout() throws Exception {
        // Never accept()ed: the kernel completes the handshake, the request is sent, no answer ever comes.
        try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            HostInfo peer = new HostInfo("127.0.0.1", blackHole.getLocalPort());
            KafkaStreams streams = mock(KafkaStreams.class);
            when(streams.queryMetadataForKey(anyString(), anyString(), any(Serializer.class)))
                    .thenReturn(new KeyQueryMetadata(peer, Set.of(), 0));
            Duration retryTimeout = Duration.ofSeconds(1);
            AnalyticsQueryService service = new AnalyticsQueryService(streams, new LocalStores(streams),
                    new PeerClient(WebClient.create()), new HostInfo("127.0.0.1", 1), retryTimeout);
            Instant to = Instant.parse("2026-11-29T14:05:00Z");
            BlockRateQuery q = new BlockRateQuery(Dimension.ROUTE, "demo", Step.MINUTE, to.minusSeconds(300), to);

            // Budget: the retry timeout plus at most one peer timeout (5 s) and some slack.
            // Before the fix: 5 attempts x (5 s + 200 ms) = 26 s.
            assertThatThrownBy(() -> service.blockRate(q).block(Duration.ofSeconds(8)))
                    .isInstanceOf(StoresUnavailableException.class);
        }
    }
}
