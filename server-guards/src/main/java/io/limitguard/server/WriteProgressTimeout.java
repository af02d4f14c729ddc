package io.limitguard.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;

/**
 * Closes a client connection whose pending output has not moved for a whole write timeout: a client that stopped
 * reading. Until then such a client holds what its answer took: in the gateway its upstream connection (the gateway
 * stops reading the upstream when it cannot write) and up to about 1 MB of direct memory, in analytics an encoded
 * answer of up to ~3.9 MB, in the dashboard what its history pass-through read from analytics. An audit's 100 such
 * clients exhausted the gateway's 100 MB of direct memory, and a dead event loop left it answering nothing, health
 * check included, after they had gone. Each service has its own property for the timeout
 * ({@code limitguard.server.write-timeout}, {@code limitguard.analytics.write-timeout},
 * {@code limitguard.dashboard.write-timeout}) and applies it with {@link #customizer(Duration)}.
 *
 * <p>One instance per connection, added once when the channel is set up, with one timer per connection that looks
 * every {@code timeout} at the channel's outbound buffer. It overrides no read, write or flush method, so Netty
 * skips it for every request's events: nothing is added, removed or scheduled per request (Netty's
 * {@code WriteTimeoutHandler} schedules a timer per write, and Reactor Netty's {@code doOnConnection} runs for every
 * request of a kept-alive connection). It times progress, not each write: a client that reads slowly but keeps
 * reading, or a server-sent event stream with long pauses (nothing pending between events), is never cut, however
 * long its answer lasts. A stalled connection is closed between one and two timeouts after its last progress.
 *
 * <p>"No progress" is Netty's own test ({@code IdleStateHandler} with {@code observeOutput}): the same message at
 * the head of the outbound buffer, written as far as at the previous look, and as many bytes pending.
 */
public final class WriteProgressTimeout extends ChannelInboundHandlerAdapter implements Runnable {

    /** Name of the handler in each connection's pipeline. */
    static final String NAME = "limitguard.writeProgressTimeout";

    private static final Logger log = LoggerFactory.getLogger(WriteProgressTimeout.class);

    private final long timeoutMillis;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    // the outbound buffer at the previous look; pending == 0: nothing was waiting
    private int lastMessage;
    private long lastProgress;
    private long lastPending;

    WriteProgressTimeout(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Puts a handler on every connection of the servers it customizes (Spring Boot's, and tls-bootstrap's HTTPS
     * port, which takes every customizer bean), once, when its channel is set up: Reactor Netty runs
     * {@code doOnConnection} for every request of a kept-alive connection, and removes a handler added there when
     * the request ends. First in the pipeline, so that its close goes straight to the socket (a stalled TLS peer
     * would not take a close_notify either).
     */
    public static NettyServerCustomizer customizer(Duration timeout) {
        long millis = timeout.toMillis();
        return server -> server.doOnChannelInit((observer, channel, remoteAddress) -> channel.pipeline()
                .addFirst(NAME, new WriteProgressTimeout(millis)));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void start() {
        if (timer == null) {
            timer = ctx.executor().scheduleAtFixedRate(this, timeoutMillis, timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void stop() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** On the channel's event loop, every {@code timeout}. */
    @Override
    public void run() {
        ChannelOutboundBuffer output = ctx.channel().unsafe().outboundBuffer();
        if (output == null || !ctx.channel().isOpen()) {
            stop();
            return;
        }
        Object head = output.current();
        long pending = output.totalPendingWriteBytes();
        int message = System.identityHashCode(head);
        long progress = output.currentProgress();
        boolean stalled = head != null && lastPending != 0
                && message == lastMessage && progress == lastProgress && pending == lastPending;
        lastMessage = message;
        lastProgress = progress;
        lastPending = head != null ? pending : 0;
        if (stalled) {
            log.debug("{} took none of {} pending bytes in {} ms: closed", ctx.channel(), pending, timeoutMillis);
            stop();
            ctx.close();
        }
    }
}
