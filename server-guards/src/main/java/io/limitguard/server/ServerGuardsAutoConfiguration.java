package io.limitguard.server;

import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.reactor.netty.autoconfigure.NettyServerProperties;
import org.springframework.context.annotation.Bean;
import reactor.netty.http.server.HttpServer;

/**
 * What every LimitGuard WebFlux service (gateway, analytics, dashboard) does with malformed or hostile requests,
 * in one place so that each answers them alike: a request Reactor Netty cannot decode costs the log one short WARN
 * line ({@link DecodingFailureLogFactory}), its own answer to it no 500 stack trace
 * ({@link AnsweredByReactorNettyHandler}), and a health path below an unknown name is a 404, not a 500 with a stack
 * trace ({@link UnknownHealthPathHandler}), and Spring Boot's {@code server.netty.idle-timeout} closes a connection
 * that sends no request on every port. An auto-configuration, as {@code tls-bootstrap}'s: a service gets it by
 * depending on this module. The customizers reach every Reactor Netty server that applies the
 * {@link NettyServerCustomizer} beans: Spring Boot's, and {@code tls-bootstrap}'s HTTPS port. The module's other two
 * guards, the write timeout and the cap on connections, take a property of the service's own, so each service puts
 * them on with {@link WriteProgressTimeout#customizer} and {@link ConnectionCap#customizer}.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(HttpServer.class)
public class ServerGuardsAutoConfiguration {

    @Bean
    NettyServerCustomizer decodingFailureLog() {
        DecodingFailureLogFactory format = new DecodingFailureLogFactory();
        return server -> server.httpMessageLogFactory(format);
    }

    /**
     * Spring Boot applies {@code server.netty.idle-timeout} to its own server only; {@code tls-bootstrap}'s HTTPS port
     * is configured by the customizer beans alone, so without this its connections would never time out. A connection
     * that sends no complete request headers for that long (a new one, one kept alive after its answer, one whose
     * headers never end) is closed; an answer being sent, an SSE stream or a WebSocket is not idle.
     */
    @Bean
    NettyServerCustomizer idleTimeoutOnEveryPort(ObjectProvider<NettyServerProperties> netty) {
        NettyServerProperties properties = netty.getIfAvailable();
        Duration idleTimeout = properties != null ? properties.getIdleTimeout() : null;
        return server -> idleTimeout != null ? server.idleTimeout(idleTimeout) : server;
    }

    /** Requests Reactor Netty answered itself (a body it could not decode) end without a 500 stack trace. */
    @Bean
    AnsweredByReactorNettyHandler answeredByReactorNettyHandler() {
        return new AnsweredByReactorNettyHandler();
    }

    @Bean
    UnknownHealthPathHandler unknownHealthPathHandler() {
        return new UnknownHealthPathHandler();
    }
}
