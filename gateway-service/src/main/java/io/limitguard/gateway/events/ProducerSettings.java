package io.limitguard.gateway.events;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The producer configuration of the publisher: Boot's {@code spring.kafka.*} producer settings
 * (bootstrap servers, security, {@code spring.kafka.producer.*}), then LimitGuard's defaults for
 * what the user left unset, then what the publisher needs whatever the user set.
 */
final class ProducerSettings {

    /** Applied only when {@code spring.kafka.producer.*} does not set them. */
    static final Map<String, Object> DEFAULTS = Map.of(
            ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
            ProducerConfig.LINGER_MS_CONFIG, 20,
            // The drainer thread waits this long for metadata or buffer space before dropping an event;
            // it never runs on a request thread, but a small value keeps the queue moving when Kafka is down.
            ProducerConfig.MAX_BLOCK_MS_CONFIG, 250,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
            // How long an unacknowledged event may stay in flight before it is counted dropped.
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
            ProducerConfig.CLIENT_ID_CONFIG, "limitguard-decisions");

    /** Always applied: idempotence needs acks=all; the serializers are the contract's. */
    static final Map<String, Object> REQUIRED = Map.of(
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, io.limitguard.events.JsonSerde.DecisionEventSerde.class);

    private ProducerSettings() {
    }

    static Map<String, Object> from(Map<String, Object> bootProducerConfig) {
        Map<String, Object> config = new HashMap<>(bootProducerConfig);
        if (config.containsKey(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)) {
            // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms: keep Kafka's own
            // default (2 min) rather than a shorter one that could contradict the user's setting.
            config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ProducerConfig.configDef()
                    .defaultValues().get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
        }
        DEFAULTS.forEach(config::putIfAbsent);
        config.putAll(REQUIRED);
        return config;
    }
}
