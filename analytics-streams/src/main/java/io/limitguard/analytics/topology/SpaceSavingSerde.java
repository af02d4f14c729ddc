package io.limitguard.analytics.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Compact binary form of a {@link SpaceSaving} summary for the state store and its changelog:
 * {@code capacity:int, n:int, n × (keyLength:int, keyUtf8, count:long, error:long)}. Internal
 * state only; nothing outside this service reads it.
 */
public final class SpaceSavingSerde implements Serde<SpaceSaving>, Serializer<SpaceSaving>, Deserializer<SpaceSaving> {

    @Override
    public byte[] serialize(String topic, SpaceSaving summary) {
        if (summary == null) {
            return null;
        }
        List<SpaceSaving.Entry> entries = summary.entries();
        List<byte[]> keys = new ArrayList<>(entries.size());
        int size = 8;
        for (SpaceSaving.Entry e : entries) {
            byte[] k = e.key().getBytes(StandardCharsets.UTF_8);
            keys.add(k);
            size += 4 + k.length + 16;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putInt(summary.capacity()).putInt(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            byte[] k = keys.get(i);
            buf.putInt(k.length).put(k).putLong(entries.get(i).count()).putLong(entries.get(i).error());
        }
        return buf.array();
    }

    @Override
    public SpaceSaving deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            ByteBuffer buf = ByteBuffer.wrap(data);
            int capacity = buf.getInt();
            int n = buf.getInt();
            List<SpaceSaving.Entry> entries = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] k = new byte[buf.getInt()];
                buf.get(k);
                entries.add(new SpaceSaving.Entry(new String(k, StandardCharsets.UTF_8), buf.getLong(), buf.getLong()));
            }
            return SpaceSaving.of(capacity, entries);
        } catch (RuntimeException e) {
            throw new SerializationException("Malformed top-blocked summary in " + topic, e);
        }
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // stateless
    }

    @Override
    public void close() {
        // holds no resources
    }

    @Override
    public Serializer<SpaceSaving> serializer() {
        return this;
    }

    @Override
    public Deserializer<SpaceSaving> deserializer() {
        return this;
    }
}
