package io.limitguard.analytics.streams;

import io.limitguard.analytics.config.AnalyticsProperties;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/** Kafka Streams configuration from Spring's Kafka settings plus the analytics properties. */
public final class StreamsSettings {

    private StreamsSettings() {
    }

    /**
     * @param springStreamsProperties {@code KafkaProperties.buildStreamsProperties()}: bootstrap
     *                                servers, security, and {@code spring.kafka.streams.properties.*}
     */
    public static Properties of(AnalyticsProperties analytics, Map<String, Object> springStreamsProperties) {
        Properties p = new Properties();
        p.putAll(springStreamsProperties);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, analytics.applicationId());
        p.put(StreamsConfig.STATE_DIR_CONFIG, analytics.stateDir());
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, analytics.applicationServer());
        // Counts must equal decisions: no loss, no double count across crashes and rebalances.
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, analytics.commitInterval().toMillis());
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, analytics.cacheMaxBytes().toBytes());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, analytics.streamThreads());
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, analytics.standbyReplicas());
        if (analytics.internalReplicationFactor() != null) {
            p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, analytics.internalReplicationFactor());
        }
        if (analytics.topicMinInsyncReplicas() != null) {
            p.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
                    analytics.topicMinInsyncReplicas().toString());
        }
        return p;
    }
}
