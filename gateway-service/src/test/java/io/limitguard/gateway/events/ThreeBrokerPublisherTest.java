package io.limitguard.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.events.DecisionEvent;
import io.limitguard.events.Topics;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.KafkaFixture;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The publisher on a 3-broker cluster (replication factor 3, {@code min.insync.replicas} 2): the
 * leader of a partition is SIGKILLed while events stream, and still every decision is on the topic
 * exactly once (acks=all keeps an acknowledged event on two replicas; idempotence keeps retries
 * after the failover from writing it twice).
 */
class ThreeBrokerPublisherTest {

    private static final int DECISIONS = 6_000;

    private static KafkaFixture kafka;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaFixture.start(3);
    }

    @AfterAll
    static void stopKafka() {
        Closing.all(kafka);
    }

    @Test
    void noDecisionIsLostOrDuplicatedWhenAPartitionLeaderDiesMidStream() throws Exception {
        KafkaEventsProperties properties = new KafkaEventsProperties(true, 100_000, false, null, Duration.ofSeconds(30),
                new KafkaEventsProperties.TopicSettings(true, 3, (short) 3, 2, Duration.ofSeconds(1)));
        String run = TestDecisions.newRun();
        List<DecisionEvent> sent = TestDecisions.events(run, DECISIONS);
        Map<String, Object> boot = Map.of("bootstrap.servers", kafka.bootstrapServers());
        int killed;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             KafkaDecisionPublisher publisher = KafkaDecisionPublisher.start(properties, boot, boot)) {
            // The topics are created as configured: 3 replicas of every partition, min ISR 2.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                Map<String, TopicDescription> topics = admin.describeTopics(TopicCreator.TOPICS).allTopicNames().get();
                assertThat(topics).containsOnlyKeys(Topics.DECISIONS, Topics.COUNTS, Topics.DECISIONS_DLQ)
                        .allSatisfy((name, description) -> assertThat(description.partitions()).hasSize(3)
                                .allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
                Collection<Config> configs = admin.describeConfigs(TopicCreator.TOPICS.stream()
                        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).all().get().values();
                assertThat(configs).hasSize(3).allSatisfy(c ->
                        assertThat(c.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()).isEqualTo("2"));
            });
            int leader = admin.describeTopics(List.of(Topics.DECISIONS)).allTopicNames().get()
                    .get(Topics.DECISIONS).partitions().get(0).leader().id();
            killed = leader - 1; // the fixture numbers its nodes from 1

            sent.subList(0, DECISIONS / 2).forEach(publisher::accept);
            // Mid-stream: some events acknowledged, the rest queued or in flight when the leader dies.
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.accounting().published() >= DECISIONS / 10);
            kafka.killBroker(killed);
            sent.subList(DECISIONS / 2, DECISIONS).forEach(publisher::accept);

            await().atMost(Duration.ofSeconds(90)).until(() -> {
                PublisherAccounting.Snapshot a = publisher.accounting();
                return a.decisions() == DECISIONS && a.inFlight() == 0 && a.published() + a.dropped() == DECISIONS;
            });
            PublisherAccounting.Snapshot accounting = publisher.accounting();
            assertThat(accounting.balanced()).isTrue();
            assertThat(accounting.dropped()).as("dropped by reason %s", accounting.droppedByReason()).isZero();
            assertThat(accounting.published()).isEqualTo(DECISIONS);
        }

        List<ConsumerRecord<String, DecisionEvent>> records = DecisionTopicReader.readRun(kafka.bootstrapServers(), run);
        Map<String, Long> copies = records.stream()
                .collect(Collectors.groupingBy(r -> r.value().eventId(), Collectors.counting()));
        Map<String, DecisionEvent> byId = sent.stream().collect(Collectors.toMap(DecisionEvent::eventId, Function.identity()));
        assertThat(copies.keySet()).isEqualTo(byId.keySet());                       // none lost
        assertThat(copies.values()).allMatch(n -> n == 1);                          // none twice
        assertThat(records).allSatisfy(r -> assertThat(r.value()).isEqualTo(byId.get(r.value().eventId())));
        // One client's events still on one partition after the failover.
        Map<String, Set<Integer>> partitionsByKey = records.stream().collect(Collectors.groupingBy(
                ConsumerRecord::key, Collectors.mapping(ConsumerRecord::partition, Collectors.toSet())));
        assertThat(partitionsByKey).allSatisfy((key, partitions) -> assertThat(partitions).hasSize(1));
    }
}
