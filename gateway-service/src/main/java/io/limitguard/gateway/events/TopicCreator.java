package io.limitguard.gateway.events;

import io.limitguard.events.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates LimitGuard's topics if they are missing. One attempt per {@link #tryCreate()}, bounded
 * by the retry interval; the caller (the publisher's drainer thread) calls again later while
 * Kafka cannot be reached, so start-up never waits for Kafka.
 *
 * <p>Existing topics are left as they are (no partitions added: that would move keys between
 * partitions). Errors that retrying cannot fix (no permission, replication factor larger than
 * the cluster) are logged once and creation is given up, so publishing still goes ahead.
 */
final class TopicCreator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopicCreator.class);
    static final List<String> TOPICS = List.of(Topics.DECISIONS, Topics.COUNTS, Topics.DECISIONS_DLQ);

    private final Map<String, Object> adminConfig;
    private final KafkaEventsProperties.TopicSettings settings;
    private Admin admin;
    private boolean warned;

    TopicCreator(Map<String, Object> adminConfig, KafkaEventsProperties.TopicSettings settings) {
        this.adminConfig = adminConfig;
        this.settings = settings;
        this.admin = Admin.create(adminConfig); // does not connect yet; a bad setting fails start-up here
    }

    /** @return true when nothing is left to do (created, already there, or given up) */
    boolean tryCreate() throws InterruptedException {
        Duration timeout = settings.retryInterval();
        Optional<Short> replicas = Optional.ofNullable(settings.replicationFactor());
        Map<String, String> configs = settings.minInsyncReplicas() == null ? Map.of()
                : Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, settings.minInsyncReplicas().toString());
        List<NewTopic> topics = TOPICS.stream()
                .map(name -> new NewTopic(name, Optional.of(settings.partitions()), replicas).configs(configs))
                .toList();
        Map<String, KafkaFuture<Void>> results = admin
                .createTopics(topics, new CreateTopicsOptions().timeoutMs((int) timeout.toMillis()))
                .values();
        boolean done = true;
        for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
            try {
                result.getValue().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
                log.info("Created topic {} ({} partitions, replication {}, min.insync.replicas {})", result.getKey(),
                        settings.partitions(), replicas.map(String::valueOf).orElse("broker default"),
                        settings.minInsyncReplicas() == null ? "broker default" : settings.minInsyncReplicas());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof TopicExistsException) {
                    continue;
                }
                if (cause instanceof RetriableException) {
                    done = false;
                    log.debug("Topic {} not created yet, Kafka not reachable: {}", result.getKey(), cause.toString());
                } else {
                    log.error("Cannot create topic {} ({}); check limitguard.kafka.topics.* and the ACLs."
                            + " Publishing goes ahead without it.", result.getKey(), cause.toString());
                }
            } catch (TimeoutException e) {
                done = false;
            }
        }
        if (done) {
            close();
        } else if (!warned) {
            warned = true;
            log.warn("Kafka not reachable at {}: topics not checked yet, retrying every {}; decision events are"
                    + " queued meanwhile", adminConfig.get("bootstrap.servers"), timeout);
        }
        return done;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
    }
}
