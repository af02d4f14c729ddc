package io.limitguard.dashboard.web;

import io.limitguard.dashboard.config.DashboardProperties;
import io.limitguard.dashboard.counts.CountsHub;
import java.time.Duration;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * {@code GET /api/v1/stream[?route=<id>]}: live counts as Server-Sent Events.
 *
 * <p>Events named {@code counts} carry a {@link io.limitguard.events.CountsUpdate} as JSON with this
 * instance's sequence number as id; events named {@code heartbeat} come right away and then every
 * {@code limitguard.dashboard.heartbeat}, so the response is committed at once, proxies see traffic
 * on a quiet stream, and the page can tell a live stream from a dead one.
 */
@RestController
public class CountsStreamController {

    /** Reconnection delay suggested to EventSource clients. */
    static final Duration RETRY = Duration.ofSeconds(2);

    private final CountsHub hub;
    private final Duration heartbeat;

    public CountsStreamController(CountsHub hub, DashboardProperties properties) {
        this.hub = hub;
        this.heartbeat = properties.heartbeat();
    }

    @GetMapping(path = "/api/v1/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<ServerSentEvent<Object>> stream(@RequestParam(required = false) String route, ServerHttpResponse response) {
        // Proxies must neither cache nor buffer a live stream (nginx buffers unless told not to).
        response.getHeaders().setCacheControl(CacheControl.noStore());
        response.getHeaders().set("X-Accel-Buffering", "no");
        Flux<ServerSentEvent<Object>> counts = hub.stream(route)
                .map(live -> ServerSentEvent.builder((Object) live.update())
                        .event("counts")
                        .id(Long.toString(live.seq()))
                        .build());
        Flux<ServerSentEvent<Object>> heartbeats = Flux.interval(Duration.ZERO, heartbeat)
                .onBackpressureDrop()
                .map(tick -> ServerSentEvent.builder((Object) new Heartbeat(System.currentTimeMillis(), heartbeat.toMillis()))
                        .event("heartbeat")
                        .retry(RETRY)
                        .build());
        return Flux.merge(heartbeats, counts).takeUntilOther(hub.closing());
    }

    /**
     * Body of a heartbeat event: the server's clock, and the interval, so a client can tell a stream
     * that went silent (no heartbeat for a few intervals) and reconnect.
     */
    public record Heartbeat(long serverTime, long intervalMs) {
    }
}
