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
        int n = summary.size();
        byte[][] keys = new byte[n][];
        long[] numbers = new long[2 * n];
        int[] size = {8};
        int[] i = {0};
        summary.forEach((key, count, error) -> {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            keys[i[0]] = k;
            numbers[2 * i[0]] = count;
            numbers[2 * i[0] + 1] = error;
            size[0] += 4 + k.length + 16;
            i[0]++;
        });
        ByteBuffer buf = ByteBuffer.allocate(size[0]);
        buf.putInt(summary.capacity()).putInt(n);
        for (int j = 0; j < n; j++) {
            buf.putInt(keys[j].length).put(keys[j]).putLong(numbers[2 * j]).putLong(numbers[2 * j + 1]);
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
