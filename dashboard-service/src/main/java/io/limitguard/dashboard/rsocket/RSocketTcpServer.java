package io.limitguard.dashboard.rsocket;

import io.limitguard.dashboard.config.DashboardProperties;
import org.springframework.boot.rsocket.context.RSocketServerBootstrap;
import org.springframework.boot.rsocket.netty.NettyRSocketServerFactory;
import org.springframework.boot.rsocket.server.RSocketServer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.messaging.rsocket.annotation.support.RSocketMessageHandler;

/**
 * The second RSocket transport. Spring Boot runs one RSocket server from {@code spring.rsocket.server.*}:
 * here that is WebSocket at {@code /rsocket} on the HTTP port. This bean adds plain TCP on
 * {@code limitguard.dashboard.rsocket-tcp-port}, with the same message handler (same routes). Its
 * {@code RSocketServerInitializedEvent} sets {@code local.rsocket.server.port}.
 */
@Configuration(proxyBeanMethods = false)
public class RSocketTcpServer {

    @Bean
    RSocketServerBootstrap rsocketTcpServerBootstrap(DashboardProperties properties, RSocketMessageHandler handler,
            ReactorResourceFactory resources) {
        NettyRSocketServerFactory factory = new NettyRSocketServerFactory();
        factory.setTransport(RSocketServer.Transport.TCP);
        factory.setPort(properties.rsocketTcpPort());
        factory.setResourceFactory(resources);
        return new RSocketServerBootstrap(factory, handler.responder());
    }
}
