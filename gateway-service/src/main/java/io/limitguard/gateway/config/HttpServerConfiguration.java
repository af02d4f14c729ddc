package io.limitguard.gateway.config;

import io.limitguard.server.ConnectionCap;
import io.limitguard.server.WriteProgressTimeout;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Time limits on the gateway's clients, so that connections that send nothing, or stop in the middle of a request,
 * are closed instead of holding a file descriptor each until the process runs out (an audit kept 20,000 such
 * connections open for 400 s and more, after which the gateway answered nothing, not even its health check):
 * <ul>
 * <li>{@code server.netty.idle-timeout} (Spring Boot's; 75 s in application.yml, nginx's {@code keepalive_timeout}):
 * a connection that has sent no complete request headers for that long, since it was opened or since the end of its
 * previous response, is closed. Reactor Netty's idle handler sits behind the HTTP decoder, so the bytes of an
 * unfinished header do not restart it: headers dripped in a byte at a time must still be complete within the idle
 * timeout (nginx has 60 s for them, {@code client_header_timeout}).</li>
 * <li>{@code limitguard.server.read-timeout} ({@link HttpServerProperties}, 60 s, nginx's
 * {@code client_body_timeout}): once a request's headers are in, the longest silence between two reads of its body,
 * until its last byte (Reactor Netty's {@code HttpServer.readTimeout}).</li>
 * <li>{@code limitguard.server.write-timeout} ({@link HttpServerProperties}, 30 s): the longest time an answer
 * waiting to be sent may make no progress at all ({@link WriteProgressTimeout}). Without it a client that asks for a
 * large answer and stops reading held its upstream connection and about 1 MB of direct memory for as long as it kept
 * the connection open (for ever on a route without a response timeout); an audit's 100 such clients exhausted 100 MB
 * of direct memory, killed an event loop and left the gateway answering nothing after they had gone. The same
 * handler as analytics' and the dashboard's (module {@code server-guards}).</li>
 * </ul>
 * The first two never limit a response: the idle handler is taken off when a request's headers are in and put back
 * after the last byte of its response, and the read timeout ends with the request's body. A slow upstream or a
 * server-sent event stream through the gateway is governed by {@code httpclient.response-timeout} alone. No limit is put on a
 * whole request ({@code HttpServer.requestTimeout}): it would cut a legitimate slow upload. The write timeout
 * times progress, not answers or single writes: a slow reader that keeps reading and an event stream that the client
 * reads run to their end.
 *
 * <p>Spring Boot applies the idle timeout to its own server only; module {@code server-guards} applies it to the
 * HTTPS port of {@code tls-bootstrap} too ({@code limitguard.tls.https-port}, set by the launcher and compose), which
 * is configured by the {@link NettyServerCustomizer} beans alone, as in analytics and the dashboard.
 *
 * <p>A request the server cannot decode (a bad chunk size, Content-Length, header byte, a header or URI too long)
 * is answered 400, 414 or 431 by Reactor Netty, and logged in one WARN line with the reason (module
 * {@code server-guards}, as in analytics and the dashboard): not a line per header, nor a 500 stack trace, which a
 * client could use to flood the log.
 *
 * <p>The timeouts bound how long each connection lives, not how many there are:
 * {@code limitguard.server.max-connections} ({@link ConnectionCap}) closes the connections of each port above that
 * many as soon as they are accepted.
 *
 * <p>And how the server stops: {@code limitguard.server.shutdown-drain} ({@link ShutdownDrain}) before Spring Boot's
 * graceful shutdown.
 */
@Configuration(proxyBeanMethods = false)
public class HttpServerConfiguration {

    @Bean
    NettyServerCustomizer clientTimeouts(LimitGuardProperties properties) {
        Duration readTimeout = properties.server().readTimeout();
        return server -> server.readTimeout(readTimeout);
    }

    /** On both ports, each with its own count. */
    @Bean
    NettyServerCustomizer connectionCap(LimitGuardProperties properties, MeterRegistry meters) {
        return ConnectionCap.customizer("limitguard.server.max-connections", properties.server().maxConnections(), meters);
    }

    @Bean
    NettyServerCustomizer writeProgressTimeout(LimitGuardProperties properties) {
        return WriteProgressTimeout.customizer(properties.server().writeTimeout());
    }

    @Bean
    ShutdownDrain shutdownDrain(ApplicationContext context, LimitGuardProperties properties) {
        return new ShutdownDrain(context, properties.server().shutdownDrain());
    }

    /** On both ports: Spring Boot's server and tls-bootstrap's HTTPS one take every customizer bean. */
    @Bean
    NettyServerCustomizer drainingConnections(ShutdownDrain drain) {
        DrainingConnections handler = new DrainingConnections(drain);
        return server -> server.doOnChannelInit((observer, channel, remoteAddress) -> handler.addTo(channel.pipeline()));
    }
}
