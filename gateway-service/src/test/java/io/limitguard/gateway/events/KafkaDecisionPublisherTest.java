package io.limitguard.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.events.DecisionEvent;
import io.limitguard.events.Outcome;
import io.limitguard.events.Topics;
import io.limitguard.testsupport.KafkaFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import io.limitguard.gateway.events.PublisherAccounting.DropReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The publisher against a real broker (one per class, killed and restarted by {@link WhenKafkaGoesDown}). */
class KafkaDecisionPublisherTest {

    private static KafkaFixture kafka;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaFixture.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static KafkaDecisionPublisher publisher(KafkaEventsProperties properties) {
        Map<String, Object> boot = Map.of("bootstrap.servers", kafka.bootstrapServers());
        return KafkaDecisionPublisher.start(properties, boot, boot);
    }

    @Test
    void publishesEveryDecisionExactlyOnceWithItsFields() {
        String run = TestDecisions.newRun();
        List<DecisionEvent> sent = TestDecisions.events(run, 700);
        try (KafkaDecisionPublisher publisher = publisher(TestDecisions.properties(10_000, Duration.ofSeconds(5)))) {
            sent.forEach(publisher::accept);

            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.accounting().published() == sent.size());
            PublisherAccounting.Snapshot accounting = publisher.accounting();
            assertThat(accounting.decisions()).isEqualTo(700);
            assertThat(accounting.dropped()).isZero();
            assertThat(accounting.inFlight()).isZero();
            assertThat(accounting.balanced()).isTrue();
        }

        List<ConsumerRecord<String, DecisionEvent>> records = DecisionTopicReader.readRun(kafka.bootstrapServers(), run);
        assertThat(records).hasSize(700);
        Map<String, DecisionEvent> byId = sent.stream().collect(Collectors.toMap(DecisionEvent::eventId, Function.identity()));
        for (ConsumerRecord<String, DecisionEvent> record : records) {
            DecisionEvent read = record.value();
            assertThat(read).isEqualTo(byId.get(read.eventId())); // every field, as sent
            assertThat(record.key()).isEqualTo(read.key());       // keyed by the limited key
        }
        assertThat(records.stream().map(r -> r.value().eventId()).collect(Collectors.toSet())).isEqualTo(byId.keySet());
        assertThat(records.stream().map(r -> r.value().outcome()).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(Outcome.values());
        // One client's events stay on one partition, in the order they were decided.
        Map<String, Set<Integer>> partitionsByKey = records.stream().collect(Collectors.groupingBy(
                ConsumerRecord::key, Collectors.mapping(ConsumerRecord::partition, Collectors.toSet())));
        assertThat(partitionsByKey).hasSize(13).allSatisfy((key, partitions) -> assertThat(partitions).hasSize(1));
        // Two rules per request: every request id carries exactly two events, one per rule.
        Map<String, List<String>> rulesByRequest = records.stream().collect(Collectors.groupingBy(
                r -> r.value().requestId(), Collectors.mapping(r -> r.value().ruleId(), Collectors.toList())));
        assertThat(rulesByRequest).hasSize(350)
                .allSatisfy((request, rules) -> assertThat(rules).containsExactlyInAnyOrder("rule-0", "rule-1"));
    }

    @Test
    void createsTheTopicsWithTheConfiguredPartitions() throws Exception {
        try (KafkaDecisionPublisher publisher = publisher(TestDecisions.properties(100, Duration.ofSeconds(5)));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                Map<String, TopicDescription> topics = admin.describeTopics(TopicCreator.TOPICS).allTopicNames().get();
                // the broker's own default is 1 partition: 3 proves these are the publisher's topics
                assertThat(topics).containsOnlyKeys(Topics.DECISIONS, Topics.COUNTS, Topics.DECISIONS_DLQ)
                        .allSatisfy((name, description) -> assertThat(description.partitions()).hasSize(3));
            });
        }
    }

    @Test
    void hashesKeysWithHmacSha256UnderTheSecret() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertPublishedKeysAre(TestDecisions.hashing("s3cret"),
                key -> HexFormat.of().formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void hashesKeysWithSha256WithoutASecret() throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        assertPublishedKeysAre(TestDecisions.hashing(null),
                key -> HexFormat.of().formatHex(sha256.digest(key.getBytes(StandardCharsets.UTF_8))));
    }

    private void assertPublishedKeysAre(KafkaEventsProperties properties, Function<String, String> expectedHash) {
        String run = TestDecisions.newRun();
        List<DecisionEvent> sent = TestDecisions.events(run, 40);
        try (KafkaDecisionPublisher publisher = publisher(properties)) {
            sent.forEach(publisher::accept);
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.accounting().published() == sent.size());
        }
        Map<String, DecisionEvent> byId = sent.stream().collect(Collectors.toMap(DecisionEvent::eventId, Function.identity()));
        List<ConsumerRecord<String, DecisionEvent>> records = DecisionTopicReader.readRun(kafka.bootstrapServers(), run);
        assertThat(records).hasSize(40).allSatisfy(record -> {
            String rawKey = byId.get(record.value().eventId()).key();
            String hash = expectedHash.apply(rawKey);
            assertThat(hash).hasSize(64).isNotEqualTo(rawKey);
            assertThat(record.key()).isEqualTo(hash);
            assertThat(record.value().key()).isEqualTo(hash);
        });
    }

    @Test
    void closeFlushesWhatIsQueuedAndUnacknowledged() {
        String run = TestDecisions.newRun();
        List<DecisionEvent> sent = TestDecisions.events(run, 2_000);
        KafkaDecisionPublisher publisher = publisher(TestDecisions.properties(10_000, Duration.ofSeconds(20)));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            // a first event through proves the topics are ready, so close() is not racing their creation
            publisher.accept(TestDecisions.events(run, 1).get(0));
            return publisher.accounting().published() > 0;
        });
        long before = publisher.accounting().decisions();
        sent.forEach(publisher::accept);
        publisher.close(); // at once: most of the 2000 are still queued or unacknowledged here

        PublisherAccounting.Snapshot accounting = publisher.accounting();
        assertThat(accounting.decisions()).isEqualTo(before + 2_000);
        assertThat(accounting.published()).isEqualTo(accounting.decisions());
        assertThat(accounting.dropped()).isZero();
        assertThat(accounting.inFlight()).isZero();
        assertThat(DecisionTopicReader.readRun(kafka.bootstrapServers(), run)).hasSize((int) accounting.published());

        publisher.accept(sent.get(0)); // after close: counted, never thrown
        assertThat(publisher.accounting().droppedByReason()).containsEntry(PublisherAccounting.DropReason.SHUTDOWN, 1L);
        assertThat(publisher.accounting().balanced()).isTrue();
    }

    @Test
    void exposesItsAccountingAndTheProducersMetricsToMicrometer() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String run = TestDecisions.newRun();
        try (KafkaDecisionPublisher publisher = publisher(TestDecisions.properties(10_000, Duration.ofSeconds(5)))) {
            publisher.registerMetrics(registry);
            TestDecisions.events(run, 50).forEach(publisher::accept);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(registry.get("limitguard.events.decisions").functionCounter().count()).isEqualTo(50);
                assertThat(registry.get("limitguard.events.published").functionCounter().count()).isEqualTo(50);
                assertThat(registry.get("limitguard.events.in.flight").gauge().value()).isZero();
            });
            assertThat(registry.get("limitguard.events.queued").gauge().value()).isZero();
            for (String reason : List.of("queue_full", "send_failed", "shutdown")) {
                assertThat(registry.get("limitguard.events.dropped").tag("reason", reason).functionCounter().count())
                        .isZero();
            }
            // what the benchmark reads: bytes per record on the wire and the compression achieved
            assertThat(registry.get("kafka.producer.record.size.avg").gauge().value()).isPositive();
            assertThat(registry.get("kafka.producer.compression.rate.avg").gauge().value()).isPositive();
        }
    }

    /**
     * Kafka down from the start, and Kafka killed mid-stream: decisions are still accepted at once,
     * the accounting balances throughout, and once the broker is back events flow again without
     * restarting the publisher.
     */
    @Nested
    class WhenKafkaGoesDown {

        private boolean brokerDown;

        @AfterEach
        void brokerBackUp() {
            if (brokerDown) {
                restartBroker();
            }
        }

        /** Stops the broker cleanly: a lone broker killed with SIGKILL may lose what it acknowledged
         *  (its log is fsynced asynchronously), which is Kafka's durability, not the publisher's. The
         *  three-broker test kills a leader outright. */
        private void stopBroker() {
            kafka.stopBroker(0);
            brokerDown = true;
        }

        private void restartBroker() {
            kafka.restartBroker(0);
            brokerDown = false;
        }

        private KafkaDecisionPublisher publisher(int queueCapacity) {
            return KafkaDecisionPublisherTest.publisher(TestDecisions.properties(queueCapacity, Duration.ofSeconds(5)));
        }

        /** Waits until every event the publisher took has ended published or dropped. */
        private static void awaitSettled(KafkaDecisionPublisher publisher, Duration atMost) {
            await().atMost(atMost).until(() -> publisher.accounting().inFlight() == 0);
        }

        @Test
        void kafkaDownFromTheStart() {
            stopBroker();
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
                awaitSettled(publisher, Duration.ofSeconds(60));

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
        void brokerStoppedMidStream() {
            String runBefore = TestDecisions.newRun();
            String runDuring = TestDecisions.newRun();
            String runAfter = TestDecisions.newRun();
            List<DecisionEvent> before = TestDecisions.events(runBefore, 300);
            List<DecisionEvent> during = TestDecisions.events(runDuring, 3_000);
            List<DecisionEvent> after = TestDecisions.events(runAfter, 300);

            long publishedDuring;
            long sendFailed;
            PublisherAccounting.Snapshot back;
            try (KafkaDecisionPublisher publisher = publisher(10_000)) {
                before.forEach(publisher::accept);
                await().atMost(Duration.ofSeconds(60)).until(() -> publisher.accounting().published() == 300);

                stopBroker();
                during.forEach(publisher::accept);
                await().atMost(Duration.ofSeconds(10)).until(() -> publisher.accounting().balanced());
                PublisherAccounting.Snapshot down = publisher.accounting();
                assertThat(down.decisions()).isEqualTo(3_300);
                assertThat(down.published() + down.dropped() + down.inFlight()).isEqualTo(3_300);
                assertThat(down.droppedByReason()).containsEntry(DropReason.QUEUE_FULL, 0L);

                restartBroker();
                // Every event ends published or dropped: the ones of the outage are retried by the
                // producer until delivery.timeout.ms, so most arrive late rather than never. Events sent
                // while the producer still holds a batch begun in the outage join that batch and share its
                // deadline (Kafka times out batches, not records): "after" starts once the outage's
                // events are settled (seen: 1-3 of 300 "after" events counted SEND_FAILED otherwise).
                awaitSettled(publisher, Duration.ofSeconds(90));
                after.forEach(publisher::accept);
                awaitSettled(publisher, Duration.ofSeconds(90));
                back = publisher.accounting();
                assertThat(back.decisions()).isEqualTo(3_600);
                assertThat(back.published() + back.dropped()).isEqualTo(3_600);
                publishedDuring = back.published() - 600;
                sendFailed = back.droppedByReason().getOrDefault(DropReason.SEND_FAILED, 0L);
            }
            List<ConsumerRecord<String, DecisionEvent>> duringRecords = DecisionTopicReader.readRun(kafka.bootstrapServers(), runDuring);
            // What was counted published is on the topic. A send counted failed (delivery timeout) may
            // still have reached the broker, so the topic can hold up to that many more; never fewer.
            assertThat((long) duringRecords.size()).isBetween(publishedDuring, publishedDuring + sendFailed);
            assertThat(eventIds(duringRecords)).hasSize(duringRecords.size()); // once each (idempotent producer)
            assertThat(eventIds(DecisionTopicReader.readRun(kafka.bootstrapServers(), runBefore))).isEqualTo(eventIds(before));
            assertThat(eventIds(DecisionTopicReader.readRun(kafka.bootstrapServers(), runAfter)))
                    .as("events sent after the restart; publisher accounting at the end: %s", back)
                    .isEqualTo(eventIds(after));
        }

        private static Set<String> eventIds(List<?> eventsOrRecords) {
            return eventsOrRecords.stream()
                    .map(o -> o instanceof ConsumerRecord<?, ?> r ? ((DecisionEvent) r.value()).eventId() : ((DecisionEvent) o).eventId())
                    .collect(Collectors.toSet());
        }
    }
}
