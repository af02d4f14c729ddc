package io.limitguard.analytics.config;

import io.limitguard.analytics.streams.StreamsHealthIndicator;
import io.limitguard.analytics.streams.StreamsLifecycle;
import io.limitguard.analytics.streams.StreamsSettings;
import io.limitguard.analytics.topology.AnalyticsTopology;
import io.limitguard.events.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/** Wires the topology, the Kafka Streams instance and its lifecycle, metrics and health. */
@Configuration(proxyBeanMethods = false)
public class AnalyticsConfiguration {

    /** Counter of records sent to {@link Topics#DECISIONS_DLQ}. */
    public static final String POISON_COUNTER = "limitguard.analytics.poison.records";

    @Bean
    Counter poisonRecordCounter(MeterRegistry registry) {
        return Counter.builder(POISON_COUNTER)
                .description("Decision records that could not be read, sent to " + Topics.DECISIONS_DLQ)
                .register(registry);
    }

    @Bean
    Topology analyticsTopology(AnalyticsProperties properties, Counter poisonRecordCounter) {
        return AnalyticsTopology.build(properties.topologyConfig(poisonRecordCounter::increment));
    }

    @Bean
    KafkaStreams kafkaStreams(Topology topology, AnalyticsProperties properties, KafkaProperties kafka) {
        return new KafkaStreams(topology, StreamsSettings.of(properties, kafka.buildStreamsProperties()));
    }

    /** Kafka Streams client metrics in Micrometer; a bean so that it is closed with the context. */
    @Bean
    KafkaStreamsMetrics analyticsStreamsMetrics(KafkaStreams streams, MeterRegistry registry) {
        KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(registry);
        return metrics;
    }

    @Bean
    StreamsLifecycle streamsLifecycle(KafkaStreams streams) {
        return new StreamsLifecycle(streams);
    }

    @Bean
    StreamsHealthIndicator kafkaStreamsHealthIndicator(KafkaStreams streams) {
        return new StreamsHealthIndicator(streams);
    }

    /** Creates the topics when missing (KafkaAdmin does it at start-up, before Streams starts). */
    @Bean
    KafkaAdmin.NewTopics limitguardTopics(AnalyticsProperties properties) {
        if (!properties.createTopics()) {
            return new KafkaAdmin.NewTopics();
        }
        return new KafkaAdmin.NewTopics(
                topic(Topics.DECISIONS, properties),
                topic(Topics.COUNTS, properties),
                topic(Topics.DECISIONS_DLQ, properties));
    }

    private static NewTopic topic(String name, AnalyticsProperties properties) {
        TopicBuilder builder = TopicBuilder.name(name).partitions(properties.topicPartitions());
        if (properties.topicReplicationFactor() != null) {
            builder.replicas(properties.topicReplicationFactor());
        }
        if (properties.topicMinInsyncReplicas() != null) {
            builder.config(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, properties.topicMinInsyncReplicas().toString());
        }
        return builder.build();
    }
}
