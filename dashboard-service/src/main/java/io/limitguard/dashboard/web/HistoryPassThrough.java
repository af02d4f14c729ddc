package io.limitguard.dashboard.web;

import io.limitguard.dashboard.config.AnalyticsProperties;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/history/{block-rate|top-blocked}?...}: passes history queries through to the
 * analytics query API ({@code ${limitguard.analytics.url}/api/v1/...}, same query string), so the
 * browser talks to one origin. Status, content type and body are relayed as they are, errors
 * included; when analytics cannot be reached the answer is 502 (504 after the timeout) as
 * {@code application/problem+json}. The body is streamed, not buffered: a long range at 1 s steps
 * can be large.
 */
@Configuration(proxyBeanMethods = false)
public class HistoryPassThrough {

    private static final Logger log = LoggerFactory.getLogger(HistoryPassThrough.class);
    private static final Set<String> QUERIES = Set.of("block-rate", "top-blocked");

    private final WebClient analytics;
    private final AnalyticsProperties properties;

    public HistoryPassThrough(WebClient.Builder webClients, ReactorResourceFactory resources, AnalyticsProperties properties) {
        // No compression: the body is relayed as it comes, and an uncompressed hop on the local network
        // costs less than inflating and re-sending it (Netty's decompressor would also load its native
        // zstd library on an event loop the first time).
        this.analytics = webClients
                .clientConnector(new ReactorClientHttpConnector(resources, client -> client.compress(false)))
                .build();
        this.properties = properties;
    }

    @Bean
    RouterFunction<ServerResponse> historyRoutes() {
        return RouterFunctions.route()
                .GET("/api/v1/history/{query}", this::relay)
                .build();
    }

    Mono<ServerResponse> relay(ServerRequest request) {
        String query = request.pathVariable("query");
        if (!QUERIES.contains(query)) {
            return problem(HttpStatus.NOT_FOUND, "Unknown history query '" + query
                    + "': use block-rate or top-blocked", request);
        }
        String rawQuery = request.uri().getRawQuery();
        // The query string is relayed byte for byte (already encoded): no decoding, no re-encoding.
        URI target = URI.create(properties.baseUrl() + "/api/v1/" + query + (rawQuery == null ? "" : "?" + rawQuery));
        return analytics.get().uri(target)
                .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
                .retrieve()
                .onStatus(status -> true, response -> Mono.empty()) // every status is relayed, none is an error here
                .toEntityFlux(DataBuffer.class)
                .timeout(properties.timeout())
                .flatMap(this::relayed)
                .onErrorResume(WebClientRequestException.class, e -> unreachable(HttpStatus.BAD_GATEWAY, e, request))
                .onErrorResume(TimeoutException.class, e -> timedOut(request));
    }

    /** In the user's terms, not Reactor's ("Did not observe any item or terminal signal within ..."). */
    private Mono<ServerResponse> timedOut(ServerRequest request) {
        String detail = "Analytics query API at " + properties.baseUrl() + " did not answer within "
                + readable(properties.timeout()) + " (limitguard.analytics.timeout)";
        log.warn("{}", detail);
        return problem(HttpStatus.GATEWAY_TIMEOUT, detail, request);
    }

    /** 10s, 1500ms, 2m, 1h: the largest unit that says the duration exactly, as it is written in a config file. */
    static String readable(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private Mono<ServerResponse> relayed(ResponseEntity<Flux<DataBuffer>> upstream) {
        ServerResponse.BodyBuilder response = ServerResponse.status(upstream.getStatusCode());
        MediaType contentType = upstream.getHeaders().getContentType();
        if (contentType != null) {
            response.contentType(contentType);
        }
        // analytics' 503 says when to ask again (its stores are migrating); the browser's client needs it too
        String retryAfter = upstream.getHeaders().getFirst(HttpHeaders.RETRY_AFTER);
        if (retryAfter != null) {
            response.header(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        Flux<DataBuffer> body = upstream.getBody() == null ? Flux.empty() : upstream.getBody();
        return response.body(BodyInserters.fromDataBuffers(body));
    }

    private Mono<ServerResponse> unreachable(HttpStatus status, Throwable e, ServerRequest request) {
        log.warn("Analytics query API at {} did not answer: {}", properties.baseUrl(), e.toString());
        return problem(status, "Analytics query API at " + properties.baseUrl() + " did not answer: "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), request);
    }

    private static Mono<ServerResponse> problem(HttpStatusCode status, String detail, ServerRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setInstance(URI.create(request.path()));
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).bodyValue(problem);
    }
}
