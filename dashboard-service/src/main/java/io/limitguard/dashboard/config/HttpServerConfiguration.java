package io.limitguard.dashboard.config;

import io.netty.handler.timeout.WriteTimeoutHandler;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A write timeout on the HTTP server ({@code limitguard.dashboard.write-timeout}); the HTTPS port of
 * {@code tls-bootstrap} applies the same {@link NettyServerCustomizer} beans. Without it a client that asks
 * for a wide history answer and never reads pins what the pass-through has taken from analytics (~0.9 MB of
 * direct memory each) as long as it keeps the connection open. Netty's {@link WriteTimeoutHandler} closes
 * the connection when ONE write has not reached the socket within the timeout.
 *
 * <p>It does not cut long-lived streams that are read: an SSE stream (an event or heartbeat every few
 * seconds) and RSocket over WebSocket at {@code /rsocket} write small frames, each done in milliseconds when
 * the client reads, so no single write comes near the timeout however long the stream lasts. A client that
 * stops reading one of them is disconnected once the socket buffers are full and a write waits longer than
 * the timeout, which is what should happen to it.
 *
 * <p>analytics-streams has the same customizer (its own copy): no module shared by both services fits it
 * (the only one both use, {@code decision-events}, is the events contract, without Spring or Netty, and
 * also the gateway's and the dev launcher's; {@code tls-bootstrap} is not used by analytics, and it is
 * also the gateway's).
 */
@Configuration(proxyBeanMethods = false)
public class HttpServerConfiguration {

    /** Name of the handler in each connection's pipeline. */
    static final String WRITE_TIMEOUT_HANDLER = "limitguard.writeTimeout";

    @Bean
    NettyServerCustomizer writeTimeoutCustomizer(DashboardProperties properties) {
        long millis = properties.writeTimeout().toMillis();
        // Reactor Netty calls doOnConnection for each request of a kept-alive connection (and removes a handler
        // added with addHandlerLast when that request ends), so every request is covered, not just the first.
        return server -> server.doOnConnection(connection -> connection.addHandlerLast(WRITE_TIMEOUT_HANDLER,
                new WriteTimeoutHandler(millis, TimeUnit.MILLISECONDS)));
    }
}
