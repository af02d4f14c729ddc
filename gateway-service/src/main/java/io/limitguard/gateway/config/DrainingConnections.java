package io.limitguard.gateway.config;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import reactor.netty.NettyPipeline;

/**
 * Puts {@code Connection: close} on every HTTP/1.1 response whose head is written while the gateway drains
 * ({@link ShutdownDrain}): Reactor Netty's {@code HttpTrafficHandler}, which it sits in front of, then closes the
 * connection after that response, and the client opens its next one elsewhere. Being in the connection's pipeline
 * (of the HTTP and the HTTPS port), it reaches every response, proxied ones, the limiter's 429s, errors, actuator;
 * and it decides when the head goes out, not when the request came in, so the answer to a request started before
 * the drain (a slow upstream) closes its connection too. Informational responses (100 Continue, 101 Switching
 * Protocols) are left alone: the exchange goes on after them.
 *
 * <p>One instance serves all connections. When not draining it costs a handler hop and a volatile read per write,
 * and allocates nothing; a {@code WebFilter} would add a {@code Mono.defer} to every request, and one that marks
 * responses at commit would have to register a callback on every request.
 */
@ChannelHandler.Sharable
final class DrainingConnections extends ChannelOutboundHandlerAdapter {

    static final String NAME = "limitguard.drainingConnections";

    private final ShutdownDrain drain;

    DrainingConnections(ShutdownDrain drain) {
        this.drain = drain;
    }

    /** Right behind (towards the application) Reactor Netty's HTTP/1.1 traffic handler, if the pipeline has one. */
    void addTo(ChannelPipeline pipeline) {
        if (pipeline.get(NettyPipeline.HttpTrafficHandler) != null) {
            pipeline.addAfter(NettyPipeline.HttpTrafficHandler, NAME, this);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (drain.draining() && msg instanceof HttpResponse response
                && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.write(msg, promise);
    }
}
