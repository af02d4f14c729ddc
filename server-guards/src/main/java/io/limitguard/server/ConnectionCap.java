package io.limitguard.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A cap on a server's client connections ({@code limitguard.server.max-connections} in the gateway,
 * {@code limitguard.analytics.max-connections}, {@code limitguard.dashboard.max-connections}): above that many, a new
 * one is closed as soon as it is accepted. Without it, clients that open connections and hold them (each one for up to the idle
 * timeout) exhausted the gateway's file descriptors: an audit's 10,000 idle connections to a gateway limited to 4,096
 * left it answering no one, health check included, and an io_uring event loop spinning at most of a core on accepts
 * that failed with "Too many open files", without a line in the log.
 *
 * <p>The cap is Reactor Netty's ({@code HttpServer.maxConnections}): one counter per server, changed when a
 * connection is accepted and when it closes, in the server's acceptor, before the connection is registered with an
 * event loop; nothing per request. Each port (HTTP, and the HTTPS one of tls-bootstrap, which takes every
 * customizer) has its own. A refused client sees its connection closed, at once, instead of waiting in the kernel's
 * backlog.
 *
 * <p>What Reactor Netty (1.3.8) does not give is a trace an operator can use: it logs each refusal as a WARN with a
 * 20-line stack trace, a flood when a client opens thousands of connections (the gateway's application.yml therefore
 * sets {@code reactor.netty.transport.ServerTransport} to ERROR: that WARN is the logger's only one), and counts
 * nothing. So each server gets a {@link Refusals} handler on its listening channel, ahead of the acceptor, which
 * counts the connections the acceptor has closed ({@value #REFUSED}, tagged with the port) and logs them at most
 * once per {@link #REPORT_INTERVAL} per port.
 */
public final class ConnectionCap {

    /** The setting for no cap at all. */
    public static final int NO_CAP = -1;

    /** Client connections closed at accept because the cap was reached, per port. */
    public static final String REFUSED = "limitguard.server.connections.refused";

    /** While refusals go on, one log line per port per interval, with their number. */
    static final Duration REPORT_INTERVAL = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);

    private final String property;
    private final int maxConnections;
    private final MeterRegistry meters;

    private ConnectionCap(String property, int maxConnections, MeterRegistry meters) {
        this.property = property;
        this.maxConnections = maxConnections;
        this.meters = meters;
    }

    /**
     * The cap on every server the customizer reaches (Spring Boot's, and tls-bootstrap's HTTPS port, which takes every
     * customizer bean), each port with its own count.
     *
     * @param property       the service's property, named in the log and the metric's description
     * @param maxConnections at least 1, or -1 for no cap
     */
    public static NettyServerCustomizer customizer(String property, int maxConnections, MeterRegistry meters) {
        return new ConnectionCap(property, maxConnections, meters)::applyTo;
    }

    /**
     * For the service's properties record: start-up stops, naming {@code property}, unless {@code maxConnections} is
     * at least 1 or -1 (no cap, as Tomcat's and Reactor Netty's own "no limit"; 0 would refuse every client).
     */
    public static void requireValid(String property, int maxConnections) {
        if (maxConnections < 1 && maxConnections != NO_CAP) {
            throw new IllegalArgumentException(property + " must be at least 1, or -1 for no cap, was " + maxConnections);
        }
    }

    private HttpServer applyTo(HttpServer server) {
        if (maxConnections == NO_CAP) {
            return server;
        }
        return server.maxConnections(maxConnections).doOnBound(this::watch);
    }

    private void watch(DisposableServer server) {
        int port = server.port();
        warnIfDescriptorsRunOutFirst(port);
        Counter refused = Counter.builder(REFUSED).tag("port", Integer.toString(port))
                .description("Client connections closed at accept: " + property + " reached")
                .register(meters);
        server.channel().pipeline().addFirst(Refusals.NAME, new Refusals(property, port, maxConnections, refused));
    }

    /**
     * A cap the file descriptors cannot hold protects nothing: the gateway runs out of them first. A client that is
     * proxied can hold two (its connection and one to its upstream), so the limit should be at least twice the cap.
     */
    private void warnIfDescriptorsRunOutFirst(int port) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os
                && 2L * maxConnections > os.getMaxFileDescriptorCount()) {
            log.warn("{} ({}) on port {} does not protect this process: it may open only {} file descriptors"
                            + " (ulimit -n), and a proxied client can hold two. Raise that limit to at least twice the"
                            + " cap of each port, or lower the cap",
                    property, maxConnections, port, os.getMaxFileDescriptorCount());
        }
    }

    /**
     * On a server's listening channel, just ahead of Reactor Netty's acceptor: it sees each new connection once, and
     * no request. The acceptor closes a connection above the cap before it returns, without handing it to an event
     * loop; one it takes is handed to one of the child event loops, on this thread, before the acceptor returns. Being
     * closed is not enough to tell them apart: a connection that was taken may already have been served and closed on
     * its own loop (a client that sends a malformed request and gets its 400 at once) when the acceptor returns.
     * Everything runs on the listening channel's event loop.
     */
    static final class Refusals extends ChannelInboundHandlerAdapter implements Runnable {

        static final String NAME = "limitguard.connectionCap";

        private final String property;
        private final int port;
        private final int maxConnections;
        private final Counter refused;
        private ChannelHandlerContext ctx;
        private long unreported;
        private boolean reporting;

        Refusals(String property, int port, int maxConnections, Counter refused) {
            this.property = property;
            this.port = port;
            this.maxConnections = maxConnections;
            this.refused = refused;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.fireChannelRead(msg);
            if (msg instanceof Channel connection && refused(connection)) {
                refused.increment();
                unreported++;
                if (!reporting) {
                    run();
                }
            }
        }

        /** Closed and never handed to an event loop: the acceptor refused it. */
        static boolean refused(Channel connection) {
            if (connection.isOpen()) {
                return false;
            }
            try {
                connection.eventLoop(); // set by the acceptor's register call, on this thread, before it returns
                return false;
            } catch (IllegalStateException neverRegistered) {
                return true;
            }
        }

        /** The first refusal is logged at once; then a line per interval while there are more, none once they stop. */
        @Override
        public void run() {
            reporting = unreported > 0;
            if (!reporting) {
                return;
            }
            log.warn("Refused {} client connection(s) on port {}: {} ({}) reached (all are counted in {}; this line"
                    + " comes at most every {} s)", unreported, port, property, maxConnections, REFUSED,
                    REPORT_INTERVAL.toSeconds());
            unreported = 0;
            if (ctx.channel().isOpen()) {
                ctx.executor().schedule(this, REPORT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }
}
