package io.limitguard.analytics.query;

import io.limitguard.analytics.topology.AnalyticsTopology;
import io.limitguard.analytics.topology.Step;
import io.limitguard.events.OutcomeCounts;
import io.limitguard.events.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsNotStartedException;
import org.apache.kafka.streams.state.HostInfo;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Answers history queries from the Kafka Streams stores of every instance: a key's windows come
 * from the instance that hosts the key's partition (this one or a peer, found with
 * {@code queryMetadataForKey}); top-blocked keys are summed over all instances hosting the store
 * ({@code streamsMetadataForStore}). While stores migrate (rebalance, start-up) a query retries
 * for a short while instead of answering with partial data.
 *
 * <p>Why WebFlux: peer fetches are HTTP calls that can run concurrently without tying up threads;
 * local RocksDB reads are blocking, so they run on {@code Schedulers.boundedElastic()}, never on
 * the event loop.
 */
public class AnalyticsQueryService {

    private static final Duration RETRY_DELAY = Duration.ofMillis(200);

    private final KafkaStreams streams;
    private final LocalStores local;
    private final PeerClient peers;
    private final HostInfo self;
    private final Duration retryTimeout;

    public AnalyticsQueryService(KafkaStreams streams, LocalStores local, PeerClient peers, HostInfo self, Duration retryTimeout) {
        this.streams = streams;
        this.local = local;
        this.peers = peers;
        this.self = self;
        this.retryTimeout = retryTimeout;
    }

    public Mono<BlockRate> blockRate(BlockRateQuery q) {
        long first = q.firstWindowStart();
        long last = q.lastWindowStart();
        Mono<List<StoredWindow>> stored = last < first ? Mono.just(List.of()) : Mono.defer(() -> {
            KeyQueryMetadata where = streams.queryMetadataForKey(q.step().storeName(), q.storeKey(), Serdes.String().serializer());
            if (where == null || KeyQueryMetadata.NOT_AVAILABLE.equals(where)) {
                return Mono.error(new StoresUnavailableException("No instance hosts " + q.storeKey() + " right now"));
            }
            return self.equals(where.activeHost())
                    ? blocking(() -> local.windows(q.step(), q.storeKey(), where.partition(), first, last))
                    : peers.windows(where.activeHost(), q.step(), q.storeKey(), where.partition(), first, last);
        }).retryWhen(retry());
        return withinDeadline(stored).map(windows -> new BlockRate(q.dimension().name().toLowerCase(Locale.ROOT), q.id(), q.step().label(),
                q.from().toString(), q.to().toString(), series(q.step(), first, last, windows)));
    }

    public Mono<TopBlocked> topBlocked(Instant from, Instant to, int limit) {
        long first = BlockRateQuery.ceil(Step.MINUTE, from.toEpochMilli());
        long last = Step.MINUTE.windowStart(to.toEpochMilli() - 1);
        Mono<List<BlockedKey>> merged = last < first ? Mono.just(List.of()) : Mono.defer(() -> {
            Collection<StreamsMetadata> hosts = streams.streamsMetadataForStore(AnalyticsTopology.TOP_BLOCKED_STORE);
            Map<HostInfo, List<Integer>> partitionsByHost = new HashMap<>();
            TreeSet<Integer> all = new TreeSet<>();
            for (StreamsMetadata h : hosts) {
                List<Integer> mine = h.topicPartitions().stream()
                        .filter(tp -> tp.topic().equals(Topics.DECISIONS)).map(TopicPartition::partition).sorted().toList();
                partitionsByHost.put(h.hostInfo(), mine);
                all.addAll(mine);
            }
            // The summaries live with the input partitions; every partition must have an active host.
            if (all.isEmpty() || all.size() != all.last() + 1) {
                return Mono.error(new StoresUnavailableException("Input partitions " + all + " are not all assigned right now"));
            }
            return Flux.fromIterable(partitionsByHost.entrySet())
                    .filter(e -> !e.getValue().isEmpty())
                    .flatMap(e -> self.equals(e.getKey())
                            ? blocking(() -> toList(local.blockedKeys(e.getValue(), first, last)))
                            : peers.blockedKeys(e.getKey(), e.getValue(), first, last))
                    .collectList()
                    .map(AnalyticsQueryService::sum);
        }).retryWhen(retry());
        return withinDeadline(merged).map(keys -> new TopBlocked(from.toString(), to.toString(), limit,
                keys.stream().sorted(BlockedKey.ORDER).limit(limit).toList()));
    }

    /**
     * How many partitions the stores have (one per partition of {@link Topics#DECISIONS}; the repartition
     * topic feeding the window stores is created with the same count), as the current assignment of all
     * instances shows them. Empty while that is not known: before the first assignment, or while not every
     * partition is assigned.
     */
    public OptionalInt storePartitions() {
        TreeSet<Integer> all = new TreeSet<>();
        try {
            for (StreamsMetadata client : streams.metadataForAllStreamsClients()) {
                client.topicPartitions().stream().filter(tp -> tp.topic().equals(Topics.DECISIONS))
                        .forEach(tp -> all.add(tp.partition()));
            }
        } catch (StreamsNotStartedException | IllegalStateException notRunning) {
            return OptionalInt.empty();
        }
        return all.isEmpty() || all.size() != all.last() + 1 ? OptionalInt.empty() : OptionalInt.of(all.size());
    }

    /** This instance's part only (for peers): its own stores, no fan-out, no retry. */
    public Mono<List<StoredWindow>> localWindows(Step step, String key, int partition, long first, long last) {
        return blocking(() -> local.windows(step, key, partition, first, last));
    }

    /** This instance's part only (for peers). */
    public Mono<List<BlockedKey>> localBlockedKeys(List<Integer> partitions, long first, long last) {
        return blocking(() -> toList(local.blockedKeys(partitions, first, last)));
    }

    private static <T> Mono<T> blocking(Callable<T> read) {
        return Mono.fromCallable(read).subscribeOn(Schedulers.boundedElastic());
    }

    private Retry retry() {
        long attempts = Math.max(1, retryTimeout.toMillis() / RETRY_DELAY.toMillis());
        return Retry.fixedDelay(attempts, RETRY_DELAY)
                .filter(e -> e instanceof StoresUnavailableException || e instanceof InvalidStateStoreException)
                .onRetryExhaustedThrow((spec, signal) -> new StoresUnavailableException(
                        "State stores still unavailable after " + retryTimeout + ": " + signal.failure().getMessage(),
                        signal.failure()));
    }

    /**
     * The whole query, retries included, ends within the retry timeout (at least one peer timeout):
     * the retries are counted in attempts, and an attempt against a peer that does not answer (hung,
     * or its host gone without a reset) lasts a whole peer timeout, so without this bound one query
     * would take (retryTimeout / 200 ms) x 5 s before its 503.
     */
    private <T> Mono<T> withinDeadline(Mono<T> query) {
        Duration budget = retryTimeout.compareTo(PeerClient.TIMEOUT) > 0 ? retryTimeout : PeerClient.TIMEOUT;
        return query.timeout(budget, Mono.error(() -> new StoresUnavailableException(
                "No answer from the instances hosting the data within " + budget)));
    }

    /** Every window in [first, last] (step apart), zeros where nothing was stored. */
    static List<WindowCounts> series(Step step, long first, long last, List<StoredWindow> stored) {
        Map<Long, OutcomeCounts> byStart = new HashMap<>();
        stored.forEach(w -> byStart.put(w.start(), w.counts()));
        long size = step.size().toMillis();
        List<WindowCounts> out = new ArrayList<>();
        for (long start = first; start <= last; start += size) {
            out.add(WindowCounts.of(start, start + size, byStart.getOrDefault(start, OutcomeCounts.ZERO)));
        }
        return out;
    }

    private static List<BlockedKey> toList(Map<String, Long> counts) {
        List<BlockedKey> out = new ArrayList<>(counts.size());
        counts.forEach((k, n) -> out.add(new BlockedKey(k, n)));
        return out;
    }

    private static List<BlockedKey> sum(List<List<BlockedKey>> parts) {
        Map<String, Long> sums = new HashMap<>();
        parts.forEach(part -> part.forEach(k -> sums.merge(k.key(), k.blocked(), Long::sum)));
        return toList(sums);
    }
}
