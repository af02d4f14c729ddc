package io.limitguard.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limitguard.events.DecisionEvent;
import io.limitguard.gateway.events.PublisherAccounting.DropReason;
import io.limitguard.testsupport.Fixtures;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * {@link KafkaDecisionPublisher#accept} on a Netty event loop watched by BlockHound, with Kafka
 * unreachable (nothing listens on the bootstrap port): it never blocks, and the queue bound holds
 * under concurrent callers. No broker needed.
 */
class AcceptOnEventLoopTest {

    private static EventLoopGroup eventLoops;

    @BeforeAll
    static void installBlockHound() {
        BlockHound.install(); // Netty's and Reactor's integrations: event-loop threads are non-blocking
        eventLoops = new MultiThreadIoEventLoopGroup(4, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopEventLoops() {
        eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static KafkaDecisionPublisher publisherWithKafkaDown(int queueCapacity) {
        Map<String, Object> boot = Map.of("bootstrap.servers", "127.0.0.1:" + Fixtures.freePort());
        return KafkaDecisionPublisher.start(TestDecisions.properties(queueCapacity, Duration.ofSeconds(1)), boot, boot);
    }

    @Test
    void blockHoundWatchesTheEventLoop() {
        assertThatThrownBy(() -> eventLoops.submit(() -> {
            Thread.sleep(1);
            return null;
        }).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(BlockingOperationError.class);
    }

    @Test
    void acceptNeverBlocksAnEventLoopAndKeepsTheQueueBound() throws Exception {
        List<DecisionEvent> events = TestDecisions.events(TestDecisions.newRun(), 5_000);
        KafkaDecisionPublisher publisher = publisherWithKafkaDown(1_000);
        try {
            // Four event loops at once, 20,000 decisions: a blocking call would fail the future.
            List<io.netty.util.concurrent.Future<?>> loops = java.util.stream.IntStream.range(0, 4)
                    .mapToObj(i -> eventLoops.next().submit(() -> events.forEach(publisher::accept)))
                    .<io.netty.util.concurrent.Future<?>>map(f -> f)
                    .toList();
            for (io.netty.util.concurrent.Future<?> loop : loops) {
                loop.get(30, TimeUnit.SECONDS);
            }

            PublisherAccounting.Snapshot accounting = publisher.accounting();
            assertThat(accounting.decisions()).isEqualTo(20_000);
            assertThat(accounting.queued()).isEqualTo(1_000); // topics unchecked: nothing leaves the queue
            assertThat(accounting.droppedByReason()).containsEntry(DropReason.QUEUE_FULL, 19_000L);
            assertThat(accounting.balanced()).isTrue();
        } finally {
            publisher.close();
        }
        PublisherAccounting.Snapshot closed = publisher.accounting();
        assertThat(closed.inFlight()).isZero();
        assertThat(closed.droppedByReason()).containsEntry(DropReason.SHUTDOWN, 1_000L);
        assertThat(closed.balanced()).isTrue();
    }
}
