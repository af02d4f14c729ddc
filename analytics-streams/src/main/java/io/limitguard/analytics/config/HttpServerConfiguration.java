package io.limitguard.analytics.config;

import io.limitguard.analytics.web.QueryConcurrencyLimit;
import io.limitguard.server.ConnectionCap;
import io.limitguard.server.WriteProgressTimeout;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.codec.ServerCodecConfigurer;

/**
 * The HTTP server's guards against clients that do not read: a write timeout
 * ({@code limitguard.analytics.write-timeout}) and a bound on answers at once. A block-rate answer is
 * encoded in one piece (up to ~3.9 MB of direct memory at 20,000 windows); without a timeout a client
 * that sends a query and never reads pins that buffer as long as it keeps the connection open, and about
 * a hundred of them ran the service out of direct memory. {@link WriteProgressTimeout} (module
 * {@code server-guards}, as the gateway and the dashboard) closes a connection whose pending answer has not moved
 * for the timeout, which frees the buffer; a client that reads, however slowly, is never cut. It bounds how long a
 * stuck client holds its buffer; how many answers there may be at once is bounded by {@link QueryConcurrencyLimit}
 * ({@code limitguard.analytics.max-concurrent-queries}). And how many connections there may be at once:
 * {@link ConnectionCap} ({@code limitguard.analytics.max-connections}).
 */
@Configuration(proxyBeanMethods = false)
public class HttpServerConfiguration {

    @Bean
    NettyServerCustomizer writeProgressTimeout(AnalyticsProperties properties) {
        return WriteProgressTimeout.customizer(properties.writeTimeout());
    }

    @Bean
    NettyServerCustomizer connectionCap(AnalyticsProperties properties, MeterRegistry meters) {
        return ConnectionCap.customizer("limitguard.analytics.max-connections", properties.maxConnections(), meters);
    }

    @Bean
    QueryConcurrencyLimit queryConcurrencyLimit(AnalyticsProperties properties, ServerCodecConfigurer codecs,
                                                MeterRegistry registry) {
        return new QueryConcurrencyLimit(properties.maxConcurrentQueries(), codecs.getWriters(), registry);
    }
}
