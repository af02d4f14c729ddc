package io.limitguard.analytics;

import static org.awaitility.Awaitility.await;

import io.limitguard.analytics.topology.DimensionKey;
import io.limitguard.analytics.topology.Step;
import io.limitguard.events.CountsUpdate.Dimension;
import io.limitguard.events.DecisionEvent;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.Outcome;
import io.limitguard.events.OutcomeCounts;
import io.limitguard.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Builds decision events, produces them (keyed by the limited key, like the gateway), computes the expected
 * counts and reads the dead-letter topic.
 */
final class Decisions {

    private Decisions() {
    }

    static DecisionEvent event(String route, String rule, String key, Outcome outcome, long timestamp) {
        return new DecisionEvent(DecisionEvent.VERSION, UUID.randomUUID().toString(), UUID.randomUUID().toString(),
                timestamp, "gw-test", route, rule, key, outcome, "burst", 0, 10, 1, 250);
    }

    static KafkaProducer<String, DecisionEvent> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new JsonSerde.DecisionEventSerde());
    }

    static void produce(String bootstrapServers, List<DecisionEvent> events) {
        try (KafkaProducer<String, DecisionEvent> producer = producer(bootstrapServers)) {
            for (DecisionEvent e : events) {
                producer.send(new ProducerRecord<>(Topics.DECISIONS, e.key(), e));
            }
            producer.flush();
        }
    }

    /** Expected counts: store key ({@code route:x} / {@code rule:y}) -> window start -> counts. */
    /** The records on the dead-letter topic (read committed), as soon as there is at least one. */
    static List<ConsumerRecord<byte[], byte[]>> deadLetters(String bootstrapServers) {
        try (KafkaConsumer<byte[], byte[]> dlq = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            dlq.subscribe(List.of(Topics.DECISIONS_DLQ));
            List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                dlq.poll(Duration.ofMillis(200)).forEach(dead::add);
                return !dead.isEmpty();
            });
            return dead;
        }
    }

    static Map<String, Map<Long, OutcomeCounts>> expected(List<DecisionEvent> events, Step step) {
        Map<String, Map<Long, OutcomeCounts>> out = new HashMap<>();
        for (DecisionEvent e : events) {
            long start = step.windowStart(e.timestamp());
            for (String key : List.of(DimensionKey.of(Dimension.ROUTE, e.routeId()), DimensionKey.of(Dimension.RULE, e.ruleId()))) {
                out.computeIfAbsent(key, k -> new HashMap<>()).merge(start, OutcomeCounts.of(e.outcome()), OutcomeCounts::plus);
            }
        }
        return out;
    }

    /** Expected blocked counts per limited key (rejections only). */
    static Map<String, Long> blocked(List<DecisionEvent> events) {
        Map<String, Long> out = new HashMap<>();
        events.stream().filter(e -> e.outcome().rejected()).forEach(e -> out.merge(e.key(), 1L, Long::sum));
        return out;
    }
}
