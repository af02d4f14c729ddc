package io.limitguard.gateway.web;

import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

/**
 * The Reactor {@link Scheduler} of the Netty event loop that serves a request: the limiter's Redis
 * answer comes back to it and the call is timed there ({@link io.limitguard.gateway.failure.RedisGuard}),
 * so the rest of the request runs where the unlimited path runs it.
 */
final class RequestEventLoop {

    /** One scheduler per event loop (a handful), never disposed: disposing would shut the loop down. */
    private static final Map<EventLoop, Scheduler> SCHEDULERS = new ConcurrentHashMap<>();

    private RequestEventLoop() {
    }

    /** The request's event loop, or Reactor's parallel scheduler when the server is not Reactor Netty. */
    static Scheduler of(ServerWebExchange exchange) {
        Object request = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
        if (request instanceof Connection connection) {
            return SCHEDULERS.computeIfAbsent(connection.channel().eventLoop(),
                    loop -> Schedulers.fromExecutorService(loop, "limitguard-" + loop));
        }
        return Schedulers.parallel();
    }
}
