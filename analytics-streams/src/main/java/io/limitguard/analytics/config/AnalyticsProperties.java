package io.limitguard.analytics.config;

import io.limitguard.analytics.topology.Step;
import io.limitguard.analytics.topology.TopologyConfig;
import io.limitguard.server.ConnectionCap;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import org.apache.kafka.streams.kstream.Materialized;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the analytics service, prefix {@code limitguard.analytics}. Kafka connection settings
 * (bootstrap servers, security) come from the standard {@code spring.kafka.*} properties, and any
 * other Kafka Streams setting from {@code spring.kafka.streams.properties.*}.
 *
 * @param applicationId      Kafka Streams application id: consumer group, prefix of internal topics
 * @param stateDir           where the RocksDB stores live (one sub-directory per application id)
 * @param applicationServer  {@code host:port} other instances use to reach this one's query API
 * @param grace              how long after a window ends late decisions are still counted (all steps); the
 *                           default 2 min covers the backlog a restart leaves (consumer session timeout 45 s
 *                           + start-up), which the tasks catch up out of order across partitions
 * @param retention          how long each step's windows are kept, hence how far back queries reach
 * @param topN               counters per minute and partition of the top-blocked summary
 * @param commitInterval     Streams commit interval: how often counts are committed and the 1 s
 *                           updates on limitguard.counts are flushed; also how often the per-second
 *                           buckets are forwarded to the window stores (together: the live latency)
 * @param cacheMaxBytes      Streams record cache; larger = fewer store writes and fewer updates
 * @param streamThreads      Kafka Streams threads of this instance
 * @param createTopics       create limitguard.* topics at start-up when missing
 * @param topicPartitions    partitions of topics this service creates
 * @param topicReplicationFactor replicas of topics this service creates; unset = the broker's default
 * @param topicMinInsyncReplicas {@code min.insync.replicas} of the topics this service creates and of
 *                           its internal topics (changelogs, repartition); unset = the broker's default
 * @param internalReplicationFactor replicas of Kafka Streams' internal topics (Streams'
 *                           {@code replication.factor}); unset = Streams' default, the broker's default
 * @param standbyReplicas    warm copies of each state store on other instances
 *                           ({@code num.standby.replicas}): a failed instance's stores are taken
 *                           over without replaying their changelogs
 * @param queryRetryTimeout  how long a query waits for stores that are migrating (rebalance)
 * @param maxWindowsPerQuery most windows one block-rate answer may hold
 * @param writeTimeout       longest time an answer waiting to be sent may make no progress at all: a
 *                           client that stops reading is disconnected after one to two times it, and
 *                           the buffer it held is freed (the widest answer, 20,000 windows, is one
 *                           ~3.9 MB buffer); a client that reads, however slowly, is never cut
 * @param maxConcurrentQueries most answers of the public query API ({@code /api/**}) being computed or
 *                           written at once, each counted until its response has reached the client's
 *                           socket or its connection is gone; more are refused at once with a 503
 *                           ({@code Retry-After: 1}). The write timeout bounds how long a client that
 *                           does not read holds its answer's buffer, this bounds how many such buffers
 *                           there are. Default 64: 64 widest answers (~3.9 MB each) are ~250 MB of
 *                           direct memory, which a 384 MB JVM (direct memory defaults to the heap
 *                           size) can hold with room to spare, where ~100 were enough to run it out;
 *                           and 64 queries at once is far more than the dashboard and a few scripts
 *                           ask for, each answered in milliseconds. Peer calls ({@code /internal/v1/*})
 *                           and actuator are not counted.
 * @param maxConnections     most client connections each port holds at once; one more is closed as soon as it is
 *                           accepted ({@link ConnectionCap}, as the gateway's
 *                           {@code limitguard.server.max-connections}); -1: no cap. 8192 by default (Tomcat's
 *                           {@code server.tomcat.max-connections})
 * @param url                the dashboard's setting (where it finds this service), not used here: accepted so that
 *                           one file may configure both services, while any other property of
 *                           {@code limitguard.analytics.*} that no field takes (a misspelt
 *                           {@code retention.minut}) stops start-up instead of leaving a default in force
 * @param timeout            the dashboard's setting (how long it waits for this service), not used here, as {@code url}
 */
@ConfigurationProperties(prefix = "limitguard.analytics", ignoreUnknownFields = false)
@Validated
public record AnalyticsProperties(
        @DefaultValue("limitguard-analytics") @NotBlank String applicationId,
        @NotBlank String stateDir,
        @NotBlank @Pattern(regexp = "[^:\\s]+:\\d{1,5}", message = "must be host:port") String applicationServer,
        @DefaultValue("2m") @NotNull Duration grace,
        @DefaultValue @Valid @NotNull Retention retention,
        @DefaultValue("100") @Min(1) @Max(10_000) int topN,
        @DefaultValue("100ms") @NotNull @DurationMin(millis = 0) Duration commitInterval,
        @DefaultValue("10MB") @NotNull DataSize cacheMaxBytes,
        @DefaultValue("1") @Min(1) @Max(64) int streamThreads,
        @DefaultValue("true") boolean createTopics,
        @DefaultValue("3") @Min(1) int topicPartitions,
        @Min(1) Short topicReplicationFactor,
        @Min(1) Integer topicMinInsyncReplicas,
        @Min(1) Integer internalReplicationFactor,
        @DefaultValue("0") @Min(0) int standbyReplicas,
        @DefaultValue("5s") @NotNull @DurationMin(millis = 0) Duration queryRetryTimeout,
        @DefaultValue("20000") @Min(1) int maxWindowsPerQuery,
        @DefaultValue("30s") @NotNull @DurationMin(millis = 1) Duration writeTimeout,
        @DefaultValue("64") @Min(1) @Max(10_000) int maxConcurrentQueries,
        @DefaultValue("8192") int maxConnections,
        String url,
        Duration timeout) {

    /**
     * Retention per step. Defaults: 1 s windows for 1 hour, 1 min windows for 7 days, 1 h windows
     * for 90 days. Each must be at least window size + grace (checked at start-up).
     */
    public record Retention(
            @DefaultValue("1h") @NotNull Duration second,
            @DefaultValue("7d") @NotNull Duration minute,
            @DefaultValue("90d") @NotNull Duration hour) {
    }

    public AnalyticsProperties {
        ConnectionCap.requireValid("limitguard.analytics.max-connections", maxConnections);
        if (grace != null && grace.isNegative()) {
            throw new IllegalArgumentException("limitguard.analytics.grace must not be negative, was " + grace);
        }
        if (topicReplicationFactor != null && topicMinInsyncReplicas != null
                && topicMinInsyncReplicas > topicReplicationFactor) {
            // every acks=all write would fail with NotEnoughReplicas: stop start-up instead
            throw new IllegalArgumentException("limitguard.analytics.topic-min-insync-replicas (" + topicMinInsyncReplicas
                    + ") must not exceed limitguard.analytics.topic-replication-factor (" + topicReplicationFactor + ")");
        }
        if (internalReplicationFactor != null && topicMinInsyncReplicas != null
                && topicMinInsyncReplicas > internalReplicationFactor) {
            // the internal topics get the same min.insync.replicas: every exactly-once write to a changelog would fail
            throw new IllegalArgumentException("limitguard.analytics.topic-min-insync-replicas (" + topicMinInsyncReplicas
                    + ") must not exceed limitguard.analytics.internal-replication-factor (" + internalReplicationFactor
                    + "): it applies to the internal topics too");
        }
        if (grace != null && retention != null) {
            check("second", retention.second(), Step.SECOND, grace);
            check("minute", retention.minute(), Step.MINUTE, grace);
            check("hour", retention.hour(), Step.HOUR, grace);
        }
    }

    private static void check(String field, Duration value, Step step, Duration grace) {
        if (value != null && value.compareTo(step.size().plus(grace)) < 0) {
            throw new IllegalArgumentException("limitguard.analytics.retention." + field + " must be at least "
                    + step.label() + " + grace (" + step.size().plus(grace) + "), was " + value);
        }
    }

    public Duration retention(Step step) {
        return switch (step) {
            case SECOND -> retention.second();
            case MINUTE -> retention.minute();
            case HOUR -> retention.hour();
        };
    }

    public TopologyConfig topologyConfig(Runnable poisonListener) {
        return new TopologyConfig(grace, retention.second(), retention.minute(), retention.hour(), topN, poisonListener,
                commitInterval, Materialized.StoreType.ROCKS_DB);
    }
}
