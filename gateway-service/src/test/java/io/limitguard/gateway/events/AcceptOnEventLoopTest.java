package io.limitguard.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.events.DecisionEvent;
import io.limitguard.gateway.events.PublisherAccounting.DropReason;
import io.limitguard.testsupport.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaDecisionPublisher#accept} with Kafka unreachable (nothing listens on the bootstrap
 * port): it never blocks a Netty event loop (BlockHound, in a child JVM), and the queue bound holds
 * exactly under concurrent callers. No broker needed.
 */
class AcceptOnEventLoopTest {

    @Test
    void acceptNeverBlocksANettyEventLoopUnderBlockHound() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-XX:+AllowRedefinitionToAddDeleteMethods", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), AcceptUnderBlockHound.class.getName())
                .redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        boolean exited = child.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly().waitFor();
        }
        String out = output.join();
        Map<String, String> results = out.lines().filter(l -> l.startsWith("RESULT "))
                .map(l -> l.substring(7).split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1], (first, more) -> first));

        assertThat(exited).as(out).isTrue();
        assertThat(results).as(out)
                .containsEntry("control", "detected")  // BlockHound is watching the event loops
                .doesNotContainKey("accept")            // and saw no blocking call in 20,000 accepts
                .containsEntry("decisions", "20000")
                .containsEntry("queued", "1000")
                .containsEntry("queue_full", "19000")
                .containsEntry("balanced", "true");
        assertThat(child.exitValue()).as(out).isZero();
    }

    @Test
    void theQueueBoundHoldsExactlyUnderConcurrentCallers() throws Exception {
        List<DecisionEvent> events = TestDecisions.events(TestDecisions.newRun(), 5_000);
        Map<String, Object> boot = Map.of("bootstrap.servers", "127.0.0.1:" + Fixtures.freePort());
        KafkaDecisionPublisher publisher = KafkaDecisionPublisher.start(
                TestDecisions.properties(1_000, Duration.ofSeconds(1)), boot, boot);
        try {
            List<Thread> callers = IntStream.range(0, 4)
                    .mapToObj(i -> new Thread(() -> events.forEach(publisher::accept), "caller-" + i))
                    .toList();
            callers.forEach(Thread::start);
            for (Thread caller : callers) {
                caller.join();
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
