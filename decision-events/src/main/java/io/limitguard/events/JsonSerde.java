package io.limitguard.events;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON serde over Jackson for the records of this module, usable by Kafka Streams and by plain
 * producers and consumers. Unknown fields are ignored; unreadable bytes raise Kafka's
 * {@link SerializationException}, which callers can catch (Streams routes it to its
 * deserialization exception handler).
 */
public class JsonSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    /** The one mapper configuration for LimitGuard's wire formats. */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private final Class<T> type;

    public JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            return MAPPER.writeValueAsBytes(data);
        } catch (JacksonException e) {
            throw new SerializationException("Cannot write " + type.getSimpleName() + " for topic " + topic, e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return MAPPER.readValue(data, type);
        } catch (JacksonException | IllegalArgumentException | NullPointerException e) {
            // NPE / IAE come from record constructors rejecting missing required fields.
            throw new SerializationException("Malformed " + type.getSimpleName() + " on topic " + topic + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // nothing to configure: one mapper for every topic
    }

    @Override
    public void close() {
        // holds no resources
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    /** Serde for {@link DecisionEvent}; has a no-arg constructor so Kafka can create it from config. */
    public static final class DecisionEventSerde extends JsonSerde<DecisionEvent> {
        public DecisionEventSerde() {
            super(DecisionEvent.class);
        }
    }

    /** Serde for {@link CountsUpdate}; has a no-arg constructor so Kafka can create it from config. */
    public static final class CountsUpdateSerde extends JsonSerde<CountsUpdate> {
        public CountsUpdateSerde() {
            super(CountsUpdate.class);
        }
    }
}
