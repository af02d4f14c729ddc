package io.limitguard.gateway.events;

import io.limitguard.events.DecisionEvent;
import io.limitguard.testsupport.Fixtures;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * Run in its own JVM by {@link AcceptOnEventLoopTest}: BlockHound can be installed once per JVM,
 * and other test classes install it with their own policy. Installs BlockHound with Netty's and
 * Reactor's integrations only, checks that it catches a sleep on a Netty event loop, then calls
 * {@link KafkaDecisionPublisher#accept} 20,000 times from four event loops with Kafka unreachable.
 * Prints {@code RESULT <key>=<value>} lines; exits 0 when no blocking call was seen.
 */
public final class AcceptUnderBlockHound {

    public static void main(String[] args) throws Exception {
        BlockHound.install();
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(4, NioIoHandler.newFactory());
        Map<String, Object> boot = Map.of("bootstrap.servers", "127.0.0.1:" + Fixtures.freePort());
        KafkaDecisionPublisher publisher = KafkaDecisionPublisher.start(
                TestDecisions.properties(1_000, Duration.ofSeconds(1)), boot, boot);
        int status = 0;
        try {
            try {
                loops.submit(() -> {
                    Thread.sleep(1);
                    return null;
                }).get(30, TimeUnit.SECONDS);
                System.out.println("RESULT control=not-detected");
                status = 1;
            } catch (ExecutionException e) {
                System.out.println("RESULT control=" + (e.getCause() instanceof BlockingOperationError ? "detected" : e.getCause()));
            }

            List<DecisionEvent> events = TestDecisions.events(TestDecisions.newRun(), 5_000);
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                running.add(loops.next().submit(() -> events.forEach(publisher::accept)));
            }
            for (Future<?> f : running) {
                try {
                    f.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    System.out.println("RESULT accept=" + e.getCause());
                    e.getCause().printStackTrace(System.out);
                    status = 1;
                }
            }
            PublisherAccounting.Snapshot a = publisher.accounting();
            System.out.println("RESULT decisions=" + a.decisions());
            System.out.println("RESULT queued=" + a.queued());
            System.out.println("RESULT queue_full=" + a.droppedByReason().get(PublisherAccounting.DropReason.QUEUE_FULL));
            System.out.println("RESULT balanced=" + a.balanced());
        } finally {
            publisher.close();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        System.exit(status);
    }
}
