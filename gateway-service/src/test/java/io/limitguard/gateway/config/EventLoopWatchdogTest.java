package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.support.StaticApplicationContext;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.server.HttpServer;

/**
 * An event loop that an {@link Error} stops (as Netty's io_uring transport lets an {@code OutOfMemoryError} for
 * direct memory do) makes the watchdog exit with status 70; loops stopped by the application's shutdown, or by
 * another gateway's in the same JVM, do not, and a child context's closing does not disarm it; the customizer
 * watches the loop of every connection's channel.
 */
class EventLoopWatchdogTest {

    private final CompletableFuture<Integer> exitStatus = new CompletableFuture<>();
    private final EventLoopWatchdog watchdog = new EventLoopWatchdog(exitStatus::complete);
    private final ErrorOnDemand io = new ErrorOnDemand();
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, io);

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void anEventLoopStoppedByAnErrorInItsIoEndsTheProcessWithStatus70() throws Exception {
        EventLoop loop = (EventLoop) group.next();
        watchdog.watch(loop);

        loop.submit(() -> io.doomed = Thread.currentThread()).sync();

        assertThat(exitStatus.get(10, TimeUnit.SECONDS)).isEqualTo(EventLoopWatchdog.EXIT_STATUS);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(group.isShuttingDown()).as("the other loop still runs").isFalse();
    }

    @Test
    void loopsStoppedByTheApplicationsShutdownDoNotEndTheProcess() throws Exception {
        StaticApplicationContext context = new StaticApplicationContext();
        watchdog.setApplicationContext(context);
        watchdog.watch((EventLoop) group.next());

        watchdog.onApplicationEvent(new ContextClosedEvent(context));
        assertStoppingTheLoopsDoesNotExit();
    }

    @Test
    void loopsStoppedByAnotherGatewaysShutdownInTheSameJvmDoNotEndTheProcess() throws Exception {
        // Spring disposes Reactor Netty's shared loops when any context that uses them closes (several gateways
        // in one test JVM)
        StaticApplicationContext other = new StaticApplicationContext();
        EventLoopWatchdog otherWatchdog = new EventLoopWatchdog(status -> { });
        otherWatchdog.setApplicationContext(other);
        watchdog.setApplicationContext(new StaticApplicationContext());
        watchdog.watch((EventLoop) group.next());

        otherWatchdog.onApplicationEvent(new ContextClosedEvent(other));
        assertStoppingTheLoopsDoesNotExit();
    }

    @Test
    void theClosingOfAChildContextDoesNotDisarmIt() throws Exception {
        StaticApplicationContext parent = new StaticApplicationContext();
        watchdog.setApplicationContext(parent);
        EventLoop loop = (EventLoop) group.next();
        watchdog.watch(loop);

        watchdog.onApplicationEvent(new ContextClosedEvent(new StaticApplicationContext(parent)));
        loop.submit(() -> io.doomed = Thread.currentThread()).sync();

        assertThat(exitStatus.get(10, TimeUnit.SECONDS)).isEqualTo(EventLoopWatchdog.EXIT_STATUS);
    }

    @Test
    void theCustomizerWatchesTheEventLoopsOfEveryConnectionsChannel() {
        HttpServer server = watchdog.apply(HttpServer.create());
        NioSocketChannel channel = new NioSocketChannel();
        group.register(channel).syncUninterruptibly();

        server.configuration().doOnChannelInit().onChannelInit(ConnectionObserver.emptyListener(), channel, null);

        assertThat(watchdog.isWatching(group)).isTrue();
        channel.close().syncUninterruptibly();
    }

    /** Stops every loop of the group, waits until the watchdog has heard of it, and checks that it let them go. */
    private void assertStoppingTheLoopsDoesNotExit() throws Exception {
        CompletableFuture<Void> heard = terminationHeard();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();

        heard.get(10, TimeUnit.SECONDS);
        assertThat(watchdog.exiting()).isFalse();
        assertThat(exitStatus).isNotDone();
    }

    /**
     * Completes once every loop of the group has told the listeners on its termination: those of the watchdog, added
     * before, have run by then (a future tells its listeners in the order they were added, one after the other).
     */
    private CompletableFuture<Void> terminationHeard() {
        List<CompletableFuture<Void>> heard = new ArrayList<>();
        for (EventExecutor executor : group) {
            CompletableFuture<Void> one = new CompletableFuture<>();
            executor.terminationFuture().addListener(f -> one.complete(null));
            heard.add(one);
        }
        return CompletableFuture.allOf(heard.toArray(CompletableFuture[]::new));
    }

    /** NIO, except that the I/O of the loop running on {@link #doomed} throws an {@code OutOfMemoryError}. */
    private static final class ErrorOnDemand implements IoHandlerFactory {

        private final IoHandlerFactory nio = NioIoHandler.newFactory();
        volatile Thread doomed;

        @Override
        public IoHandler newHandler(io.netty.util.concurrent.ThreadAwareExecutor executor) {
            IoHandler handler = nio.newHandler(executor);
            return new IoHandler() {
                @Override
                public void initialize() {
                    handler.initialize();
                }

                @Override
                public int run(IoHandlerContext context) {
                    if (Thread.currentThread() == doomed) {
                        throw new OutOfMemoryError("Cannot reserve 65536 bytes of direct buffer memory (test)");
                    }
                    return handler.run(context);
                }

                @Override
                public void prepareToDestroy() {
                    handler.prepareToDestroy();
                }

                @Override
                public void destroy() {
                    handler.destroy();
                }

                @Override
                public IoRegistration register(IoHandle handle) throws Exception {
                    return handler.register(handle);
                }

                @Override
                public void wakeup() {
                    handler.wakeup();
                }

                @Override
                public boolean isCompatible(Class<? extends IoHandle> handleType) {
                    return handler.isCompatible(handleType);
                }
            };
        }
    }
}
