package io.limitguard.dashboard.counts;

import io.limitguard.dashboard.config.DashboardProperties;
import io.limitguard.events.CountsUpdate;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.Topics;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.stereotype.Component;

/**
 * The one Kafka consumer of {@link Topics#COUNTS} in this instance, on spring-kafka's own consumer
 * thread (never a Netty thread), handing every update to the {@link CountsHub}.
 *
 * <p>Every dashboard instance must see every update, so each one joins its own consumer group (the
 * prefix plus a random suffix), starts at the end of the topic (a live view has no backlog to
 * replay) and commits nothing. Unreadable records are logged and skipped by the container's error
 * handler ({@link ErrorHandlingDeserializer}), never stopping the stream.
 */
@Component
public class CountsConsumer implements SmartLifecycle, HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(CountsConsumer.class);

    private final KafkaMessageListenerContainer<String, CountsUpdate> container;
    private volatile List<TopicPartition> assigned = List.of();

    public CountsConsumer(KafkaProperties kafka, DashboardProperties properties, CountsHub hub) {
        Map<String, Object> config = kafka.buildConsumerProperties();
        String groupId = properties.consumerGroupPrefix() + "-" + UUID.randomUUID();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        var consumers = new DefaultKafkaConsumerFactory<String, CountsUpdate>(config, new StringDeserializer(),
                new ErrorHandlingDeserializer<>(new JsonSerde.CountsUpdateSerde()));

        ContainerProperties containerProperties = new ContainerProperties(Topics.COUNTS);
        containerProperties.setGroupId(groupId);
        // MANUAL with a listener that never acknowledges: the throwaway group commits no offsets.
        containerProperties.setAckMode(ContainerProperties.AckMode.MANUAL);
        containerProperties.setMessageListener((MessageListener<String, CountsUpdate>) record -> {
            if (record.value() != null) {
                hub.publish(record.value());
            }
        });
        containerProperties.setConsumerRebalanceListener(new ConsumerAwareRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                // Resolve "latest" now, so that everything published after assignment is delivered.
                partitions.forEach(consumer::position);
                assigned = List.copyOf(consumer.assignment());
                log.info("Live counts consumer {} reads {}", groupId, assigned);
            }

            @Override
            public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                assigned = List.copyOf(consumer.assignment());
            }

            @Override
            public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                assigned = List.of();
            }
        });
        this.container = new KafkaMessageListenerContainer<>(consumers, containerProperties);
        this.container.setBeanName("limitguard-counts-consumer");
    }

    /** True once the consumer owns its partitions and has pinned its start offsets. */
    public boolean isReading() {
        return !assigned.isEmpty();
    }

    @Override
    public Health health() {
        if (isReading()) {
            return Health.up().withDetail("partitions", assigned.size()).build();
        }
        // UNKNOWN, not DOWN: the page and history still work while Kafka is away.
        return Health.unknown().withDetail("waitingFor", Topics.COUNTS).build();
    }

    @Override
    public void start() {
        container.start();
    }

    @Override
    public void stop() {
        container.stop();
        assigned = List.of();
    }

    @Override
    public boolean isRunning() {
        return container.isRunning();
    }
}
