package io.limitguard.analytics.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

/**
 * At most {@code limitguard.analytics.max-concurrent-queries} answers of the public query API
 * ({@code /api/**}: block-rate, top-blocked) at once. A block-rate answer is encoded in one buffer (up to
 * ~3.9 MB of direct memory); the write timeout bounds how long a client that does not read holds it, this
 * bounds how many are held at once. An answer is counted from its request until the response has been
 * written to the client's socket or the connection is gone. Neither the controller's {@code Mono} nor
 * the filter chain's marks that moment: Reactor Netty takes a one-piece body, completes the chain at once
 * and writes the response afterwards (measured: the chain had completed while 17 of 20 MB were still
 * queued for a client that did not read). So the permit is given back when Reactor Netty ends the
 * request's operations ({@link Connection#onTerminate()}: the last write completed, or the connection
 * closed), or when the chain is cancelled (the client went away), whichever comes first, once. Over the
 * bound the answer is at once a 503 {@code application/problem+json} with {@code Retry-After: 1}.
 *
 * <p>Not counted: actuator (health must answer most of all when the service is busy) and the peer API
 * {@code /internal/v1/*}. A peer call is made on behalf of a public query that holds a permit on the
 * instance that asked, one call per instance at a time, so an instance answers at most (instances - 1)
 * x max-concurrent-queries peer calls at once: already bounded by the other instances' bounds (as long
 * as {@code /internal/v1/*} is kept off public networks, as it must be anyway). Counting them too would
 * let the bound that protects an instance refuse its peers: instances at their bound would answer each other's sub-queries with 503 and retry until
 * {@code query-retry-timeout}, each holding its permits while waiting for the others', and every query
 * in the cluster would fail instead of some being refused.
 *
 * <p>Requests are matched like the handler mappings match them ({@link PathPattern} on the decoded path,
 * without {@code ;} parameters), so no spelling of a path reaches the query controller uncounted.
 */
public class QueryConcurrencyLimit implements WebFilter {

    /** Requests in progress (being computed or written). */
    public static final String ACTIVE_GAUGE = "limitguard.analytics.queries.active";
    /** Requests refused with 503 because {@link #ACTIVE_GAUGE} was at the bound. */
    public static final String REFUSED_COUNTER = "limitguard.analytics.queries.refused";

    private static final PathPattern PUBLIC_API = PathPatternParser.defaultInstance.parse("/api/**");

    private final int max;
    private final Semaphore permits;
    private final ServerResponse.Context writers;
    private final Counter refused;
    private final Function<ServerWebExchange, Mono<Void>> responseEnd;

    /**
     * @param max     answers at once (1..10,000, validated in the properties)
     * @param writers the application's HTTP message writers: the 503 body is encoded like every other problem
     */
    public QueryConcurrencyLimit(int max, List<HttpMessageWriter<?>> writers, MeterRegistry registry) {
        this(max, writers, registry, QueryConcurrencyLimit::reactorNettyResponseEnd);
    }

    /** @param responseEnd completes (or fails) when the response of an exchange is written or its connection gone */
    QueryConcurrencyLimit(int max, List<HttpMessageWriter<?>> writers, MeterRegistry registry,
                          Function<ServerWebExchange, Mono<Void>> responseEnd) {
        this.max = max;
        this.responseEnd = responseEnd;
        this.permits = new Semaphore(max);
        this.writers = new ServerResponse.Context() {
            @Override
            public List<HttpMessageWriter<?>> messageWriters() {
                return writers;
            }

            @Override
            public List<ViewResolver> viewResolvers() {
                return List.of();
            }
        };
        Gauge.builder(ACTIVE_GAUGE, this, QueryConcurrencyLimit::active)
                .description("Answers of the public query API being computed or written").register(registry);
        this.refused = Counter.builder(REFUSED_COUNTER)
                .description("Public queries refused with 503: max-concurrent-queries answers were in progress")
                .register(registry);
    }

    /** Answers in progress: permits taken and not given back. */
    public int active() {
        return max - permits.availablePermits();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!PUBLIC_API.matches(exchange.getRequest().getPath().pathWithinApplication())) {
            return chain.filter(exchange);
        }
        // Taken on subscription, not on assembly: a Mono that is never subscribed holds no permit.
        return Mono.defer(() -> {
            if (!permits.tryAcquire()) {
                refused.increment();
                return busy(exchange);
            }
            Permit permit = new Permit();
            // Given back when the response has reached the socket or the connection is gone (written or not) ...
            responseEnd.apply(exchange).doFinally(signal -> permit.release()).onErrorComplete().subscribe();
            // ... or at once if the chain is cancelled: the client went away (its connection ends too: given back once)
            return Mono.defer(() -> chain.filter(exchange)).doOnCancel(permit::release);
        });
    }

    /**
     * When the response of an exchange served by Reactor Netty has been written to the socket (the write
     * of its last part completed), or its connection is gone: Reactor Netty's {@link Connection#onTerminate()}
     * of the request's operations. Not the end of the filter chain: a one-piece body ({@code Mono}) is
     * handed to Reactor Netty, which completes the chain at once and writes the response afterwards.
     */
    static Mono<Void> reactorNettyResponseEnd(ServerWebExchange exchange) {
        Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(exchange.getResponse());
        if (nativeResponse instanceof Connection connection) {
            return connection.onTerminate();
        }
        throw new IllegalStateException("QueryConcurrencyLimit needs Reactor Netty's server, the response is a "
                + nativeResponse.getClass().getName());
    }

    /** One taken permit; given back at most once, whichever end comes first. */
    private final class Permit {

        private final AtomicBoolean held = new AtomicBoolean(true);

        void release() {
            if (held.compareAndSet(true, false)) {
                permits.release();
            }
        }
    }

    private Mono<Void> busy(ServerWebExchange exchange) {
        return ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, "1")
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .bodyValue(ProblemHandler.problem(HttpStatus.SERVICE_UNAVAILABLE,
                        "The service is busy: too many queries are being answered; retry later", exchange))
                .flatMap(response -> response.writeTo(exchange, writers));
    }
}
