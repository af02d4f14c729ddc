package io.limitguard.dashboard.rsocket;

import io.limitguard.dashboard.counts.CountsHub;
import io.limitguard.dashboard.counts.LiveCounts;
import io.limitguard.events.CountsUpdate;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Flux;

/**
 * RSocket request-stream {@code counts.stream}: the same live updates as the SSE stream, for programs.
 * The request payload is optional; {@code {"route":"<id>"}} keeps only that route's updates. Demand
 * (request-n) is honoured per client; a client that stops requesting loses its oldest updates,
 * never slowing anyone else.
 */
@Controller
public class CountsStreamRSocketController {

    private final CountsHub hub;

    public CountsStreamRSocketController(CountsHub hub) {
        this.hub = hub;
    }

    @MessageMapping("counts.stream")
    public Flux<CountsUpdate> stream(@Payload(required = false) StreamRequest request) {
        return hub.stream(request == null ? null : request.route()).map(LiveCounts::update);
    }

    /** Request payload of {@code counts.stream}; {@code route} may be null for every update. */
    public record StreamRequest(String route) {
    }
}
