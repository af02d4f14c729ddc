package io.limitguard.gateway.upstream;

import java.time.Duration;
import java.util.Optional;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.RouteMetadataUtils;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientRequest;
import reactor.util.context.Context;

/**
 * A route's own response time limit ({@code metadata.response-timeout}, in ms; negative: none) on the
 * upstream client's read timeout. The client is shared by all routes and cannot see the route, so this
 * filter hands the route's limit to the request in the Reactor context and {@link #apply} sets it on the
 * request just before it is sent. Routes without the metadata pay nothing here and keep the global limit.
 * The values are read as Spring Cloud Gateway reads them, which still times the route's answer headers with
 * its own timer as well.
 */
final class RouteResponseTimeout implements GlobalFilter, Ordered {

    private static final String METADATA_KEY = RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR;
    private static final String CONTEXT_KEY = RouteResponseTimeout.class.getName();

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        Optional<Duration> timeout = route == null ? null : of(route.getMetadata().get(METADATA_KEY));
        return timeout == null ? chain.filter(exchange) : chain.filter(exchange).contextWrite(Context.of(CONTEXT_KEY, timeout));
    }

    /** Sets the route's limit, if it has one, on a request about to be sent (the client's {@code doOnRequest}). */
    static void apply(HttpClientRequest request, Connection connection) {
        request.currentContextView().<Optional<Duration>>getOrEmpty(CONTEXT_KEY)
                .ifPresent(timeout -> request.responseTimeout(timeout.orElse(null)));
    }

    /** The route's limit (empty: none), or null when it sets none or an unreadable one (the global limit then holds). */
    static Optional<Duration> of(Object metadata) {
        try {
            Long millis = metadata instanceof Number number ? Long.valueOf(number.longValue())
                    : metadata instanceof String text ? Long.valueOf(text) : null;
            return millis == null ? null : millis < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(millis));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Around the routing filter only, so the context reaches its client request and nothing else. */
    @Override
    public int getOrder() {
        return NettyRoutingFilter.ORDER - 1;
    }
}
