package io.limitguard.dashboard.config;

import io.limitguard.server.ConnectionCap;
import io.limitguard.server.WriteProgressTimeout;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A write timeout on the HTTP server ({@code limitguard.dashboard.write-timeout}); the HTTPS port of
 * {@code tls-bootstrap} applies the same {@link NettyServerCustomizer} beans. Without it a client that asks
 * for a wide history answer and never reads pins what the pass-through has taken from analytics (~0.9 MB of
 * direct memory each) as long as it keeps the connection open. {@link WriteProgressTimeout} (module
 * {@code server-guards}, as the gateway and analytics) closes a connection whose pending answer has not moved for
 * the timeout.
 *
 * <p>It does not cut long-lived streams that are read: an SSE stream (an event or heartbeat every few seconds,
 * nothing pending in between) and RSocket over WebSocket at {@code /rsocket}, however long they last, nor a client
 * that reads slowly. A client that stops reading one of them is disconnected once the socket buffers are full and
 * nothing has moved for the timeout, which is what should happen to it.
 *
 * <p>And how many connections there may be at once: {@link ConnectionCap}
 * ({@code limitguard.dashboard.max-connections}), per port.
 */
@Configuration(proxyBeanMethods = false)
public class HttpServerConfiguration {

    @Bean
    NettyServerCustomizer writeProgressTimeout(DashboardProperties properties) {
        return WriteProgressTimeout.customizer(properties.writeTimeout());
    }

    /** On both ports, each with its own count. */
    @Bean
    NettyServerCustomizer connectionCap(DashboardProperties properties, MeterRegistry meters) {
        return ConnectionCap.customizer("limitguard.dashboard.max-connections", properties.maxConnections(), meters);
    }
}
