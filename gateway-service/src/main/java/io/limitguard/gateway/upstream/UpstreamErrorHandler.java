package io.limitguard.gateway.upstream;

import io.limitguard.gateway.web.ProblemResponses;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

/**
 * A route's upstream that cannot be reached is a 502, one that does not answer in time a 504, both as
 * {@code application/problem+json} naming the route. Without this, Spring Boot's error handler answers a
 * refused or unresolvable upstream with a bare 500 and a stack trace in the log, as if the gateway had
 * failed. An upstream failing once the answer has started gets the client's connection closed. Every other
 * error goes on to Boot's handler.
 */
public final class UpstreamErrorHandler implements WebExceptionHandler, Ordered {

    /** Before Spring Boot's {@code ErrorWebExceptionHandler} (order -1). */
    public static final int ORDER = -2;

    private static final Logger log = LoggerFactory.getLogger(UpstreamErrorHandler.class);

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        HttpStatus status = route == null ? null : statusFor(error);
        if (status == null) {
            return Mono.error(error);
        }
        if (exchange.getResponse().isCommitted()) {
            return cutOff(exchange, route, error);
        }
        // one line, no stack trace: the cause is the upstream's, and a dead upstream fails every request
        log.warn("{} for {} {}: the upstream of route '{}' {} ({})", status.value(), exchange.getRequest().getMethod(),
                exchange.getRequest().getPath().value(), route.getId(),
                status == HttpStatus.GATEWAY_TIMEOUT ? "did not answer in time" : "could not be reached", error.toString());
        return ProblemResponses.upstreamFailure(exchange, status, route.getId());
    }

    /**
     * The upstream failed in the middle of its answer: too late for a problem, the status went out. Ending the
     * answer normally would pass a truncated body off as complete, so the client's connection is closed; and
     * handing the error on would log two ERROR lines, one with a stack trace (Spring's and Reactor Netty's) for
     * what is the upstream's doing.
     */
    private static Mono<Void> cutOff(ServerWebExchange exchange, Route route, Throwable error) {
        if (!(ServerHttpResponseDecorator.getNativeResponse(exchange.getResponse()) instanceof Connection client)) {
            return Mono.error(error); // not on Reactor Netty: the server's own handling closes the connection
        }
        log.warn("{} {}: the upstream of route '{}' failed in the middle of its answer, connection to the client closed ({})",
                exchange.getRequest().getMethod(), exchange.getRequest().getPath().value(), route.getId(), error.toString());
        client.dispose();
        return Mono.empty();
    }

    /** 502, 504, or null for an error that is not the upstream's. */
    static HttpStatus statusFor(Throwable error) {
        // Spring Cloud Gateway's own timer on the answer headers of a route with metadata.response-timeout
        if (error instanceof ResponseStatusException status && status.getStatusCode().value() == 504) {
            return HttpStatus.GATEWAY_TIMEOUT;
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            // the client's read timeout (UpstreamConfiguration)
            if (cause instanceof ReadTimeoutException) {
                return HttpStatus.GATEWAY_TIMEOUT;
            }
            // refused, timed-out connect (Netty's ConnectTimeoutException is a ConnectException), unknown
            // host, TLS failure, reset or closed before the answer (PrematureCloseException): all I/O errors
            // of the upstream exchange. Boot's handler would not even answer a reset: it takes "Connection
            // reset by peer" for a client that went away, and the client got an empty 500.
            if (cause instanceof IOException) {
                return HttpStatus.BAD_GATEWAY;
            }
        }
        return null;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
