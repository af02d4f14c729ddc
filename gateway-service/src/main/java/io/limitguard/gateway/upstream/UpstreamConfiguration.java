package io.limitguard.gateway.upstream;

import io.netty.channel.ChannelOption;
import java.time.Duration;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * How the gateway treats the routes' upstreams. Their host names are looked up again at least every
 * {@link #MAX_CACHE} (Reactor Netty's own asynchronous resolver, never the JVM's blocking one on an
 * event loop): an upstream that comes back with a new address (a restarted container, a rescheduled
 * pod) is reached again within seconds, whatever time-to-live its DNS server gave the old address. And
 * an upstream that cannot be reached or does not answer in time gets a 502 or 504 problem
 * ({@link UpstreamErrorHandler}): the connect time limit is {@link #CONNECT_TIMEOUT_MILLIS} unless
 * Spring Cloud Gateway's {@code httpclient.connect-timeout} is set, the response time limit is its
 * {@code httpclient.response-timeout} (60 s in application.yml) or the route's
 * {@code metadata.response-timeout}, applied as the client's read timeout.
 */
@Configuration(proxyBeanMethods = false)
class UpstreamConfiguration {

    static final Duration MAX_CACHE = Duration.ofSeconds(10);
    /** Netty's default is 30 s: each request to a vanished host would wait that long for its 502. */
    static final int CONNECT_TIMEOUT_MILLIS = 5000;

    @Bean
    HttpClientCustomizer upstreamNameCache() {
        return httpClient -> httpClient.resolver(spec -> spec.cacheMaxTimeToLive(MAX_CACHE));
    }

    /**
     * The connect time limit, set once on the client rather than through {@code httpclient.connect-timeout}:
     * with that property set, Spring Cloud Gateway's routing filter copies the whole HttpClient configuration
     * for every request to set the same option again (NettyRoutingFilter.getHttpClient), which cost the
     * unlimited route about 5 % of its throughput and the limited one 0-2 % (docs/BENCHMARKS.md). The
     * property, when a user sets it, still wins.
     */
    @Bean
    HttpClientCustomizer upstreamConnectTimeout(HttpClientProperties properties) {
        return httpClient -> properties.getConnectTimeout() != null ? httpClient
                : httpClient.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
    }

    /**
     * The response time limit as the client's read timeout, counted from the request's last byte sent: an
     * upstream silent for that long, before its answer (a 504) or in the middle of it (the connection is cut), is
     * given up. Spring Cloud Gateway would only time the answer's headers, from before the connection, so an
     * upstream that hangs halfway through a body would hold its request for ever. Both cost about the same per
     * request (docs/BENCHMARKS.md); the property's value moves to the client and the routing filter is left
     * without one, so that each request has one timer, not two. Routes with their own
     * {@code metadata.response-timeout} get it on their requests ({@link RouteResponseTimeout}).
     */
    @Bean
    HttpClientCustomizer upstreamResponseTimeout(HttpClientProperties properties) {
        Duration timeout = properties.getResponseTimeout();
        properties.setResponseTimeout(null);
        return httpClient -> httpClient.responseTimeout(timeout).doOnRequest(RouteResponseTimeout::apply);
    }

    @Bean
    RouteResponseTimeout routeResponseTimeout() {
        return new RouteResponseTimeout();
    }

    @Bean
    UpstreamErrorHandler upstreamErrorHandler() {
        return new UpstreamErrorHandler();
    }
}
