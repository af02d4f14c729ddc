package io.limitguard.gateway.events;

import static org.awaitility.Awaitility.await;

import io.limitguard.events.DecisionEvent;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads {@link Topics#DECISIONS} from the beginning to its current end with a plain consumer. */
final class DecisionTopicReader {

    private DecisionTopicReader() {
    }

    /** Every record of the run (request ids starting with {@code run}) now on the topic. */
    static List<ConsumerRecord<String, DecisionEvent>> readRun(String bootstrapServers, String run) {
        return read(bootstrapServers, e -> e.requestId() != null && e.requestId().startsWith(run + "-"));
    }

    /** Every record now on the topic whose event matches. */
    static List<ConsumerRecord<String, DecisionEvent>> read(String bootstrapServers, Predicate<DecisionEvent> matching) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, DecisionEvent> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new JsonSerde.DecisionEventSerde())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DECISIONS, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            List<ConsumerRecord<String, DecisionEvent>> records = new ArrayList<>();
            await("reading " + Topics.DECISIONS + " to offsets " + end).atMost(Duration.ofSeconds(60))
                    .pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                            if (matching.test(r.value())) {
                                records.add(r);
                            }
                        });
                        return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
                    });
            return records;
        }
    }
}
