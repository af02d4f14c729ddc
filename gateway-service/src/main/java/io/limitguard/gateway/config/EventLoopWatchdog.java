package io.limitguard.gateway.config;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.stereotype.Component;
import reactor.netty.http.server.HttpServer;

/**
 * Ends the process when an event loop serving the gateway's connections stops while the application runs, so that
 * an orchestrator (compose's {@code restart: unless-stopped}, Kubernetes, systemd) restarts it. A stopped loop
 * never comes back: the connections assigned to it (one in four with Reactor Netty's four loops on two cores)
 * hang, health checks included, and if it was the loop that accepts connections, every new client does.
 *
 * <p>An event loop stops when an {@link Error} escapes its I/O handling: Netty's {@code IoUringIoHandler} (and
 * {@code EpollIoHandler}) log other exceptions and go on, but rethrow errors. Netty 4.2.18's io_uring transport
 * allocates the next receive buffer after a read outside any catch
 * ({@code AbstractIoUringChannel$AbstractUringUnsafe.readComplete} → {@code doBeginReadNow} →
 * {@code scheduleFirstReadIfNeeded}), so an {@code OutOfMemoryError} for direct memory there, which the JDK's
 * {@code java.nio.Bits} throws and {@code -XX:+ExitOnOutOfMemoryError} does not see (it only reacts to errors the
 * VM throws), stops the loop. Netty logs it as "Unexpected exception from an event executor" and, afterwards,
 * "event executor terminated". Netty's own limit ({@code io.netty.maxDirectMemory}) throws an
 * {@code OutOfDirectMemoryError} from the same place, which is an {@code OutOfMemoryError} too.
 *
 * <p>Each event loop group is watched from the first connection it serves, on every server this customizes (the
 * HTTP port, and the HTTPS one of tls-bootstrap; one set look-up per connection): a listener on each of its loops'
 * termination. The upstream connections run on the same loops (Reactor Netty's shared resources). Loops that stop
 * once an application context of the JVM has begun to close are not counted: the application's own shutdown
 * ({@link ContextClosedEvent} comes before the loops stop), and in tests, which run several gateways in one JVM,
 * another gateway's (Spring disposes Reactor Netty's shared loops when any context using them closes). The exit
 * goes through {@link System#exit} (Spring closes the context; a graceful shutdown drains the requests of the live
 * loops); if that has not ended the process within {@link #HALT_AFTER_SECONDS}, because a shutdown step waits on
 * the dead loop, it is halted.
 */
@Component
public final class EventLoopWatchdog
        implements NettyServerCustomizer, ApplicationListener<ContextClosedEvent>, ApplicationContextAware {

    /** The process's exit status when an event loop has stopped (sysexits' EX_SOFTWARE). */
    public static final int EXIT_STATUS = 70;

    static final long HALT_AFTER_SECONDS = 60;

    private static final Logger log = LoggerFactory.getLogger(EventLoopWatchdog.class);

    /** Application contexts of this JVM that have begun to close. */
    private static final AtomicInteger CONTEXTS_CLOSED = new AtomicInteger();

    private final Set<EventExecutorGroup> watched = ConcurrentHashMap.newKeySet();
    private final IntConsumer exit;
    private final int contextsClosedBefore = CONTEXTS_CLOSED.get();
    private volatile boolean exiting;
    private ApplicationContext context;

    /** Exits the process. */
    public EventLoopWatchdog() {
        this(EventLoopWatchdog::exitProcess);
    }

    /** Calls {@code exit} with {@link #EXIT_STATUS}, on a thread of its own, once a watched loop has stopped. */
    EventLoopWatchdog(IntConsumer exit) {
        this.exit = exit;
    }

    @Override
    public HttpServer apply(HttpServer server) {
        return server.doOnChannelInit((observer, channel, remoteAddress) -> watch(channel.eventLoop()));
    }

    /** Watches {@code loop}'s group (all its loops), unless it already is. */
    void watch(EventLoop loop) {
        EventExecutorGroup group = loop.parent();
        if (group == null || watched.contains(group) || !watched.add(group)) {
            return;
        }
        for (EventExecutor executor : group) {
            executor.terminationFuture().addListener(future -> stopped(executor));
        }
    }

    boolean isWatching(EventExecutorGroup group) {
        return watched.contains(group);
    }

    /** Whether a stopped loop has made it decide to exit (the exit itself runs on a thread of its own). */
    boolean exiting() {
        return exiting;
    }

    @Override
    public void setApplicationContext(ApplicationContext context) {
        this.context = context;
    }

    /** Its own context's, not those of child contexts, which a parent's listeners hear too. */
    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        if (event.getApplicationContext() == context) {
            CONTEXTS_CLOSED.incrementAndGet();
        }
    }

    private void stopped(EventExecutor executor) {
        if (exiting || CONTEXTS_CLOSED.get() != contextsClosedBefore) {
            return;
        }
        exiting = true;
        log.error("Event loop {} has stopped (the cause is logged above as \"Unexpected exception from an event "
                + "executor\"); the connections it served hang. Exiting with status {} so that the gateway is "
                + "restarted", executor, EXIT_STATUS);
        new Thread(() -> exit.accept(EXIT_STATUS), "limitguard-event-loop-watchdog").start();
    }

    private static void exitProcess(int status) {
        Thread halt = new Thread(() -> {
            try {
                TimeUnit.SECONDS.sleep(HALT_AFTER_SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(status);
        }, "limitguard-event-loop-watchdog-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(status);
    }
}
