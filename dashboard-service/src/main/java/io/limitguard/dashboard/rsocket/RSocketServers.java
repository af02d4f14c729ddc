package io.limitguard.dashboard.rsocket;

import io.limitguard.dashboard.config.DashboardProperties;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketServer;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.transport.netty.server.WebsocketRouteTransport;
import java.time.Duration;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import org.springframework.boot.rsocket.context.RSocketServerBootstrap;
import org.springframework.boot.rsocket.netty.NettyRSocketServer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.messaging.rsocket.annotation.support.RSocketMessageHandler;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.tcp.TcpServer;

/**
 * Both RSocket transports, with the same message handler (same routes): WebSocket at {@value #WEBSOCKET_PATH}
 * on the HTTP port, and plain TCP on {@code limitguard.dashboard.rsocket-tcp-port} (its
 * {@code RSocketServerInitializedEvent} sets {@code local.rsocket.server.port}).
 *
 * <p>Both are built here rather than by Spring Boot's RSocket server support, because that support
 * accepts 16 MB frames and reassembles fragmented requests without any limit (rsocket-java's default):
 * one client could fill the direct memory. A {@code counts.stream} request is a few bytes, so every frame
 * and every (reassembled) request payload is limited to {@value #MAX_INBOUND_BYTES} bytes; a larger one
 * closes the connection.
 */
@Configuration(proxyBeanMethods = false)
public class RSocketServers {

    /** Largest frame and largest reassembled request payload a client may send. */
    public static final int MAX_INBOUND_BYTES = 64 * 1024;
    static final String WEBSOCKET_PATH = "/rsocket";
    private static final Duration LIFECYCLE_TIMEOUT = Duration.ofSeconds(10);

    @Bean
    RSocketServerBootstrap rsocketTcpServerBootstrap(DashboardProperties properties, RSocketMessageHandler handler,
            ReactorResourceFactory resources) {
        return new RSocketServerBootstrap(acceptor -> {
            TcpServer tcp = TcpServer.create().runOn(resources.getLoopResources()).port(properties.rsocketTcpPort());
            return new NettyRSocketServer(bounded(acceptor).bind(TcpServerTransport.create(tcp, MAX_INBOUND_BYTES)),
                    LIFECYCLE_TIMEOUT);
        }, handler.responder());
    }

    @Bean
    NettyRouteProvider rsocketWebSocketRoute(RSocketMessageHandler handler) {
        WebsocketServerSpec spec = WebsocketServerSpec.builder().maxFramePayloadLength(MAX_INBOUND_BYTES).build();
        return routes -> routes.ws(WEBSOCKET_PATH,
                WebsocketRouteTransport.newHandler(bounded(handler.responder()).asConnectionAcceptor(MAX_INBOUND_BYTES)), spec);
    }

    private static RSocketServer bounded(SocketAcceptor acceptor) {
        return RSocketServer.create(acceptor).maxInboundPayloadSize(MAX_INBOUND_BYTES);
    }
}
