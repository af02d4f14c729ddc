package io.limitguard.analytics.query;

import io.limitguard.analytics.topology.Step;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.state.HostInfo;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientException;
import reactor.core.publisher.Mono;

/**
 * Asks another instance (its {@code application.server}) for the part of an answer that lives in
 * its stores. Non-blocking. A peer that cannot answer (not reachable, not hosting the data any more,
 * its stores migrating) yields {@link StoresUnavailableException}, so the caller retries against
 * fresh metadata.
 */
public class PeerClient {

    /** Internal paths, also mapped by {@code web.PeerController}. */
    public static final String WINDOWS_PATH = "/internal/v1/windows";
    public static final String BLOCKED_KEYS_PATH = "/internal/v1/blocked-keys";

    static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final ParameterizedTypeReference<List<StoredWindow>> WINDOWS = new ParameterizedTypeReference<>() { };
    private static final ParameterizedTypeReference<List<BlockedKey>> KEYS = new ParameterizedTypeReference<>() { };

    private final WebClient http;

    public PeerClient(WebClient http) {
        this.http = http;
    }

    public Mono<List<StoredWindow>> windows(HostInfo peer, Step step, String key, int partition, long fromStart, long lastStart) {
        return http.get()
                .uri("http://{host}:{port}" + WINDOWS_PATH + "?step={step}&key={key}&partition={p}&from={from}&to={to}",
                        peer.host(), peer.port(), step.label(), key, partition, fromStart, lastStart)
                .retrieve()
                .bodyToMono(WINDOWS)
                .timeout(TIMEOUT)
                .onErrorMap(e -> unavailable(peer, e));
    }

    public Mono<List<BlockedKey>> blockedKeys(HostInfo peer, List<Integer> partitions, long fromStart, long lastStart) {
        String csv = partitions.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
        return http.get()
                .uri("http://{host}:{port}" + BLOCKED_KEYS_PATH + "?partitions={p}&from={from}&to={to}",
                        peer.host(), peer.port(), csv, fromStart, lastStart)
                .retrieve()
                .bodyToMono(KEYS)
                .timeout(TIMEOUT)
                .onErrorMap(e -> unavailable(peer, e));
    }

    private static Throwable unavailable(HostInfo peer, Throwable e) {
        if (e instanceof WebClientException || e instanceof java.util.concurrent.TimeoutException) {
            return new StoresUnavailableException("Peer " + peer.host() + ":" + peer.port() + " did not answer: " + e.getMessage(), e);
        }
        return e;
    }
}
