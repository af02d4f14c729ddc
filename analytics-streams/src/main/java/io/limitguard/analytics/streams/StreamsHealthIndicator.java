package io.limitguard.analytics.streams;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health from the Kafka Streams state: UP while running or rebalancing (queries retry through a
 * rebalance), OUT_OF_SERVICE before start and while shutting down, DOWN in error.
 */
public final class StreamsHealthIndicator implements HealthIndicator {

    private final KafkaStreams streams;

    public StreamsHealthIndicator(KafkaStreams streams) {
        this.streams = streams;
    }

    @Override
    public Health health() {
        KafkaStreams.State state = streams.state();
        Health.Builder builder = switch (state) {
            case RUNNING, REBALANCING -> Health.up();
            case ERROR, PENDING_ERROR -> Health.down();
            case CREATED, PENDING_SHUTDOWN, NOT_RUNNING -> Health.outOfService();
        };
        return builder.withDetail("state", state.name())
                .withDetail("aliveStreamThreads", streams.metadataForLocalThreads().size())
                .build();
    }
}
