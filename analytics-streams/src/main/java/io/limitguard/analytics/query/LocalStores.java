package io.limitguard.analytics.query;

import io.limitguard.analytics.topology.AnalyticsTopology;
import io.limitguard.analytics.topology.SpaceSaving;
import io.limitguard.analytics.topology.Step;
import io.limitguard.events.OutcomeCounts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Reads this instance's own state stores. Blocking (RocksDB): callers run it off event loops.
 * Every iterator is closed (try-with-resources): an open RocksDB iterator pins native memory.
 */
public class LocalStores {

    private final KafkaStreams streams;

    public LocalStores(KafkaStreams streams) {
        this.streams = streams;
    }

    /**
     * The stored windows of {@code key} in {@code partition} whose start is in [fromStart, lastStart].
     *
     * @throws StoresUnavailableException when this instance does not (or not yet) host that partition
     */
    public List<StoredWindow> windows(Step step, String key, int partition, long fromStart, long lastStart) {
        try {
            ReadOnlyWindowStore<String, OutcomeCounts> store = streams.store(StoreQueryParameters
                    .fromNameAndType(step.storeName(), QueryableStoreTypes.<String, OutcomeCounts>windowStore())
                    .withPartition(partition));
            List<StoredWindow> out = new ArrayList<>();
            try (WindowStoreIterator<OutcomeCounts> it = store.fetch(key, Instant.ofEpochMilli(fromStart), Instant.ofEpochMilli(lastStart))) {
                it.forEachRemaining(kv -> out.add(new StoredWindow(kv.key, kv.value)));
            }
            return out;
        } catch (InvalidStateStoreException e) {
            throw new StoresUnavailableException("Store " + step.storeName() + " partition " + partition
                    + " is not queryable here: " + e.getMessage(), e);
        }
    }

    /**
     * Blocked counts per key summed over the top-blocked summaries (one per minute and partition)
     * of the given partitions and of the minutes whose start is in [fromStart, lastStart]. Each
     * partition is read on its own, so a partition that is not (yet) queryable here fails the read
     * instead of being silently left out.
     */
    public Map<String, Long> blockedKeys(Collection<Integer> partitions, long fromStart, long lastStart) {
        Map<String, Long> sums = new HashMap<>();
        for (int partition : partitions) {
            try {
                ReadOnlyWindowStore<String, SpaceSaving> store = streams.store(StoreQueryParameters
                        .fromNameAndType(AnalyticsTopology.TOP_BLOCKED_STORE, QueryableStoreTypes.<String, SpaceSaving>windowStore())
                        .withPartition(partition));
                try (KeyValueIterator<Windowed<String>, SpaceSaving> it = store.fetchAll(Instant.ofEpochMilli(fromStart), Instant.ofEpochMilli(lastStart))) {
                    it.forEachRemaining(kv -> kv.value.entries().forEach(e -> sums.merge(e.key(), e.count(), Long::sum)));
                }
            } catch (InvalidStateStoreException e) {
                throw new StoresUnavailableException("Store " + AnalyticsTopology.TOP_BLOCKED_STORE + " partition " + partition
                        + " is not queryable here: " + e.getMessage(), e);
            }
        }
        return sums;
    }
}
