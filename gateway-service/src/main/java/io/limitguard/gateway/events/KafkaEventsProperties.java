package io.limitguard.gateway.events;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The decision-event publisher ({@code limitguard.kafka.*}). Where Kafka is and how the producer
 * talks to it come from Boot's standard {@code spring.kafka.*} properties; this record holds only
 * what is specific to LimitGuard.
 *
 * @param enabled       {@code false}: no producer, no admin client, no thread; decisions are not published
 * @param queueCapacity events held in memory while waiting for the producer; beyond it they are dropped and counted
 * @param hashKeys      publish a hash of the limited key instead of the key itself (record key and event field)
 * @param hashSecret    with {@code hashKeys}: HMAC-SHA256 secret; without it keys are plain SHA-256, which is
 *                      reversible by enumeration for small key spaces such as IPv4 addresses
 * @param closeTimeout  on shutdown, how long queued and unacknowledged events may take to reach Kafka
 * @param topics        topic creation at start-up
 */
@Validated
// a misspelt name stops start-up: limitguard.kafka.hash-key: true would otherwise publish keys unhashed without a word
@ConfigurationProperties(prefix = "limitguard.kafka", ignoreUnknownFields = false)
public record KafkaEventsProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("10000") @Positive int queueCapacity,
        @DefaultValue("false") boolean hashKeys,
        String hashSecret,
        @DefaultValue("5s") @NotNull @DurationMin(millis = 0) Duration closeTimeout,
        @DefaultValue @Valid @NotNull TopicSettings topics) {

    /**
     * @param create            create {@code limitguard.decisions}, {@code .counts} and {@code .decisions.dlq} if missing
     * @param partitions        partitions of each created topic
     * @param replicationFactor replicas of each created topic; unset = the broker's {@code default.replication.factor}
     * @param minInsyncReplicas {@code min.insync.replicas} of each created topic: with the producer's
     *                          {@code acks=all}, how many replicas hold an event before it counts as
     *                          published (2 with 3 replicas: one broker may fail without losing or
     *                          stopping anything); unset = the broker's default
     * @param retryInterval     while Kafka cannot be reached, how often creation is retried
     */
    public record TopicSettings(
            @DefaultValue("true") boolean create,
            @DefaultValue("3") @Positive int partitions,
            @Min(1) Short replicationFactor,
            @Min(1) Integer minInsyncReplicas,
            @DefaultValue("5s") @NotNull @DurationMin(millis = 1) Duration retryInterval) {

        public TopicSettings {
            if (replicationFactor != null && minInsyncReplicas != null && minInsyncReplicas > replicationFactor) {
                // every acks=all send would fail with NotEnoughReplicas: stop start-up instead
                throw new IllegalArgumentException("limitguard.kafka.topics.min-insync-replicas (" + minInsyncReplicas
                        + ") must not exceed limitguard.kafka.topics.replication-factor (" + replicationFactor + ")");
            }
        }
    }
}
