package io.limitguard.analytics.config;

import io.limitguard.analytics.web.QueryConcurrencyLimit;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.timeout.WriteTimeoutHandler;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.codec.ServerCodecConfigurer;

/**
 * The HTTP server's guards against clients that do not read: a write timeout
 * ({@code limitguard.analytics.write-timeout}) and a bound on answers at once. A block-rate answer is
 * encoded in one piece (up to ~3.9 MB of direct memory at 20,000 windows); without a timeout a client
 * that sends a query and never reads pins that buffer as long as it keeps the connection open, and about
 * a hundred of them ran the service out of direct memory. Netty's {@link WriteTimeoutHandler} closes the
 * connection when ONE write has not reached the socket within the timeout, which frees the buffer. It
 * does not limit how long a connection may last; a client that reads only has to take the widest answer
 * within the timeout (30 s: ~130 KB/s). It bounds how long a stuck client holds its buffer; how many
 * answers there may be at once is bounded by {@link QueryConcurrencyLimit}
 * ({@code limitguard.analytics.max-concurrent-queries}).
 *
 * <p>The dashboard has the same customizer (its own copy): no module shared by both services fits it
 * (the only one both use, {@code decision-events}, is the events contract, without Spring or Netty, and
 * also the gateway's and the dev launcher's; {@code tls-bootstrap} is not used by analytics, and it is
 * also the gateway's).
 */
@Configuration(proxyBeanMethods = false)
public class HttpServerConfiguration {

    /** Name of the handler in each connection's pipeline. */
    static final String WRITE_TIMEOUT_HANDLER = "limitguard.writeTimeout";

    @Bean
    NettyServerCustomizer writeTimeoutCustomizer(AnalyticsProperties properties) {
        long millis = properties.writeTimeout().toMillis();
        // Reactor Netty calls doOnConnection for each request of a kept-alive connection (and removes a handler
        // added with addHandlerLast when that request ends), so every request is covered, not just the first.
        return server -> server.doOnConnection(connection -> connection.addHandlerLast(WRITE_TIMEOUT_HANDLER,
                new WriteTimeoutHandler(millis, TimeUnit.MILLISECONDS)));
    }

    @Bean
    QueryConcurrencyLimit queryConcurrencyLimit(AnalyticsProperties properties, ServerCodecConfigurer codecs,
                                                MeterRegistry registry) {
        return new QueryConcurrencyLimit(properties.maxConcurrentQueries(), codecs.getWriters(), registry);
    }
}
