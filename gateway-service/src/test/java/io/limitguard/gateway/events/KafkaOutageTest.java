package io.limitguard.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.events.DecisionEvent;
import io.limitguard.gateway.events.PublisherAccounting.DropReason;
import io.limitguard.testsupport.KafkaFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka down from the start, and Kafka killed mid-stream: decisions are still accepted at once,
 * the accounting balances throughout, and once the broker is back events flow again without
 * restarting the publisher.
 */
class KafkaOutageTest {

    private static KafkaFixture kafka;
    private static boolean brokerDown;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaFixture.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @AfterEach
    void brokerBackUp() {
        if (brokerDown) {
            restartBroker();
        }
    }

    private static void killBroker() {
        kafka.killBroker(0);
        brokerDown = true;
    }

    private static void restartBroker() {
        kafka.restartBroker(0);
        brokerDown = false;
    }

    private static KafkaDecisionPublisher publisher(int queueCapacity) {
        Map<String, Object> boot = Map.of("bootstrap.servers", kafka.bootstrapServers());
        return KafkaDecisionPublisher.start(TestDecisions.properties(queueCapacity, Duration.ofSeconds(5)), boot, boot);
    }

    @Test
    void kafkaDownFromTheStart() {
        killBroker();
        String runDown = TestDecisions.newRun();
        String runBack = TestDecisions.newRun();
        List<DecisionEvent> whileDown = TestDecisions.events(runDown, 3_000);
        List<DecisionEvent> afterwards = TestDecisions.events(runBack, 200);

        try (KafkaDecisionPublisher publisher = publisher(500)) {
            whileDown.forEach(publisher::accept);

            // Nothing can leave the queue before the topics are checked: the first 500 wait, the rest are dropped.
            PublisherAccounting.Snapshot down = publisher.accounting();
            assertThat(down.decisions()).isEqualTo(3_000);
            assertThat(down.queued()).isEqualTo(500);
            assertThat(down.droppedByReason()).containsEntry(DropReason.QUEUE_FULL, 2_500L);
            assertThat(down.published()).isZero();
            assertThat(down.balanced()).isTrue();

            restartBroker();
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.accounting().published() == 500);
            afterwards.forEach(publisher::accept);
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.accounting().inFlight() == 0);

            PublisherAccounting.Snapshot back = publisher.accounting();
            assertThat(back.decisions()).isEqualTo(3_200);
            assertThat(back.published()).isEqualTo(700);
            assertThat(back.dropped()).isEqualTo(2_500);
            assertThat(back.balanced()).isTrue();
        }
        assertThat(eventIds(DecisionTopicReader.readRun(kafka.bootstrapServers(), runDown)))
                .isEqualTo(eventIds(whileDown.subList(0, 500)));
        assertThat(eventIds(DecisionTopicReader.readRun(kafka.bootstrapServers(), runBack)))
                .isEqualTo(eventIds(afterwards));
    }

    @Test
    void brokerKilledMidStream() {
        String runBefore = TestDecisions.newRun();
        String runDuring = TestDecisions.newRun();
        String runAfter = TestDecisions.newRun();
        List<DecisionEvent> before = TestDecisions.events(runBefore, 300);
        List<DecisionEvent> during = TestDecisions.events(runDuring, 3_000);
        List<DecisionEvent> after = TestDecisions.events(runAfter, 300);

        long publishedDuring;
        try (KafkaDecisionPublisher publisher = publisher(10_000)) {
            before.forEach(publisher::accept);
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.accounting().published() == 300);

            killBroker();
            during.forEach(publisher::accept);
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.accounting().balanced());
            PublisherAccounting.Snapshot down = publisher.accounting();
            assertThat(down.decisions()).isEqualTo(3_300);
            assertThat(down.published() + down.dropped() + down.inFlight()).isEqualTo(3_300);
            assertThat(down.droppedByReason()).containsEntry(DropReason.QUEUE_FULL, 0L);

            restartBroker();
            after.forEach(publisher::accept);
            // Every event ends published or dropped: the ones of the outage are retried by the
            // producer until delivery.timeout.ms, so most arrive late rather than never.
            await().atMost(Duration.ofSeconds(90)).until(() -> publisher.accounting().inFlight() == 0);
            PublisherAccounting.Snapshot back = publisher.accounting();
            assertThat(back.decisions()).isEqualTo(3_600);
            assertThat(back.published() + back.dropped()).isEqualTo(3_600);
            publishedDuring = back.published() - 600;
        }
        List<ConsumerRecord<String, DecisionEvent>> duringRecords = DecisionTopicReader.readRun(kafka.bootstrapServers(), runDuring);
        assertThat(duringRecords).hasSize((int) publishedDuring);          // what was counted published is on the topic,
        assertThat(eventIds(duringRecords)).hasSize((int) publishedDuring); // once each (idempotent producer)
        assertThat(eventIds(DecisionTopicReader.readRun(kafka.bootstrapServers(), runBefore))).isEqualTo(eventIds(before));
        assertThat(eventIds(DecisionTopicReader.readRun(kafka.bootstrapServers(), runAfter))).isEqualTo(eventIds(after));
    }

    private static Set<String> eventIds(List<?> eventsOrRecords) {
        return eventsOrRecords.stream()
                .map(o -> o instanceof ConsumerRecord<?, ?> r ? ((DecisionEvent) r.value()).eventId() : ((DecisionEvent) o).eventId())
                .collect(Collectors.toSet());
    }
}
