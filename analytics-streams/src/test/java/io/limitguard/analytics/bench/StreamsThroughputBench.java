package io.limitguard.analytics.bench;

import io.limitguard.analytics.topology.AnalyticsTopology;
import io.limitguard.analytics.topology.Step;
import io.limitguard.analytics.topology.TopologyConfig;
import io.limitguard.events.CountsUpdate;
import io.limitguard.events.DecisionEvent;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.Outcome;
import io.limitguard.events.OutcomeCounts;
import io.limitguard.events.Topics;
import io.limitguard.testsupport.KafkaFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.kstream.Windowed;

/**
 * Throughput and end-to-end lag of the analytics topology with exactly-once, one stream thread,
 * RocksDB stores, production settings (commit interval 100 ms, 10 MB cache).
 *
 * <p>Phase 1 (drain): produce a backlog of decisions, start Streams, time until the application's
 * committed offsets reach the end of the input and of the repartition topic; then check the 1 h
 * counts add up to the backlog. Phase 2 (lag): a steady load plus one probe decision every 100 ms on
 * its own route; the lag of a probe is the time from its send to the first {@code limitguard.counts}
 * record for it (read_committed, as the dashboard reads).
 *
 * <p>{@code -Dbench.warmup=N}: first drain N decisions unmeasured (JIT-compiles this JVM), close the
 * topology cleanly, then measure the backlog in the warm JVM.
 *
 * <p>Not a test. Run: {@code bench/analytics/run.sh [events] [partitions] [lagRatePerSecond] [lagSeconds]}.
 */
public final class StreamsThroughputBench {

    private static final String APP_ID = "analytics-bench";

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int lagRate = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        int lagSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        Path stateDir = Files.createTempDirectory("analytics-bench");

        try (KafkaFixture kafka = KafkaFixture.start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            if (!Boolean.getBoolean("bench.fsync")) {
                // The test fixture fsyncs every message (a killed test broker must lose nothing); production brokers
                // leave flushing to the OS and rely on replication. Use the production behaviour (dynamic cluster-wide
                // default overrides the static server.properties), unless -Dbench.fsync=true.
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.BROKER, ""),
                        List.of(new AlterConfigOp(new ConfigEntry("log.flush.interval.messages", Long.toString(Long.MAX_VALUE)),
                                AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
            }
            admin.createTopics(List.of(new NewTopic(Topics.DECISIONS, partitions, (short) 1),
                    new NewTopic(Topics.COUNTS, partitions, (short) 1),
                    new NewTopic(Topics.DECISIONS_DLQ, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

            System.out.printf("commit interval %d ms, fsync per message %s%n", Integer.getInteger("bench.commit.ms", 100),
                    Boolean.getBoolean("bench.fsync"));
            TopologyConfig config = new TopologyConfig(Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofDays(7),
                    Duration.ofDays(90), 100, () -> { }, Duration.ofMillis(Integer.getInteger("bench.commit.ms", 100)),
                    Materialized.StoreType.ROCKS_DB);
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP_ID);
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Integer.getInteger("bench.commit.ms", 100));
            props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 10L * 1024 * 1024);
            // A closed Streams instance does not leave its group: after the warm-up, the measured instance would
            // wait out the old member's session (45 s by default) before it gets its partitions.
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6_000);

            int warmup = Integer.getInteger("bench.warmup", 0);
            if (warmup > 0) {
                // A JVM's first million decisions pay for JIT compilation on the same cores; a running service
                // has paid it long ago. Drain a first backlog unmeasured, close the topology cleanly (its
                // state stays in the state directory), then measure a second one in this warm JVM.
                produceBacklog(kafka.bootstrapServers(), warmup, 0);
                try (KafkaStreams streams = new KafkaStreams(AnalyticsTopology.build(config), props)) {
                    long t0 = System.nanoTime();
                    streams.start();
                    Map<TopicPartition, Long> ends = endOffsets(admin, Topics.DECISIONS, partitions);
                    while (!consumed(admin, ends) || !repartitionDrained(admin, partitions)) {
                        Thread.sleep(100);
                    }
                    System.out.printf("warm-up: drained %,d decisions in %.1f s (not measured)%n", warmup,
                            (System.nanoTime() - t0) / 1e9);
                }
            }
            produceBacklog(kafka.bootstrapServers(), events, warmup);

            try (KafkaStreams streams = new KafkaStreams(AnalyticsTopology.build(config), props)) {
                AtomicLong runningAt = new AtomicLong();
                streams.setStateListener((s, old) -> {
                    if (s == KafkaStreams.State.RUNNING && runningAt.get() == 0) {
                        runningAt.set(System.nanoTime());
                    }
                });
                long started = System.nanoTime();
                double processCpuAtStart = processCpuSeconds();
                double streamCpuAtStart = streamThreadCpuSeconds();
                streams.start();
                Map<TopicPartition, Long> ends = endOffsets(admin, Topics.DECISIONS, partitions);
                while (!consumed(admin, ends) || !repartitionDrained(admin, partitions)) {
                    Thread.sleep(100); // polling the broker's committed offsets; nothing to subscribe to
                }
                long done = System.nanoTime();
                double cpu = streamThreadCpuSeconds() - streamCpuAtStart;
                double processCpu = processCpuSeconds() - processCpuAtStart;
                double seconds = (done - runningAt.get()) / 1e9;
                System.out.printf("drained %,d decisions in %.2f s after RUNNING (%.2f s after start): %,.0f decisions/s%n",
                        events, seconds, (done - started) / 1e9, events / seconds);
                System.out.printf("stream thread CPU %.2f s: %,.0f decisions per CPU-second (what one dedicated core sustains)%n",
                        cpu, events / cpu);
                System.out.printf("whole app process CPU (all threads: stream, network, RocksDB, GC) %.2f s: %,.0f decisions per CPU-second%n",
                        processCpu, events / processCpu);
                printCpuBreakdown();
                System.out.printf("check: 1 h windows of all routes sum to %,d (expected %,d)%n", routeTotal(streams),
                        (long) warmup + events);

                lag(kafka.bootstrapServers(), lagRate, lagSeconds);
            }
        }
    }

    /**
     * {@code count} decisions numbered from {@code first}, event times spread as if decided at 50,000/s and
     * ending now.
     */
    private static void produceBacklog(String bootstrap, int count, int first) {
        long now = System.currentTimeMillis();
        long span = Math.max(1, count / 50);
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            JsonSerde<DecisionEvent> serde = new JsonSerde.DecisionEventSerde();
            for (int i = 0; i < count; i++) {
                DecisionEvent e = decision(first + i, now - span + (long) i * span / count);
                producer.send(new ProducerRecord<>(Topics.DECISIONS, e.key().getBytes(), serde.serialize(Topics.DECISIONS, e)));
            }
            producer.flush();
        }
        System.out.printf("produced %,d decisions in %.1f s%n", count, (System.nanoTime() - t0) / 1e9);
    }

    /** CPU time of the Kafka Streams stream thread(s) so far: the machine is shared, wall time alone says little. */
    private static double streamThreadCpuSeconds() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().contains("StreamThread") && !t.getThreadName().contains("network")) {
                nanos += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
            }
        }
        return nanos / 1e9;
    }

    /** Where the process CPU went, by thread family (names with numbers and ids folded), plus GC time. */
    private static void printCpuBreakdown() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Double> byFamily = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null) {
                String family = t.getThreadName().replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<id>").replaceAll("\\d+", "N");
                byFamily.merge(family, Math.max(0, mx.getThreadCpuTime(t.getThreadId())) / 1e9, Double::sum);
            }
        }
        byFamily.entrySet().stream().filter(e -> e.getValue() >= 0.3)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> System.out.printf("  cpu %6.2f s  %s%n", e.getValue(), e.getKey()));
        long gcMs = java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime).sum();
        System.out.printf("  gc pauses (whole run, incl. producing the backlog) %.2f s; JVM-internal threads (GC, JIT) are not listed above%n", gcMs / 1e3);
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    private static DecisionEvent decision(int i, long timestamp) {
        Outcome outcome = i % 10 == 0 ? Outcome.BLOCKED : i % 50 == 1 ? Outcome.SHADOW_BLOCKED : Outcome.ALLOWED;
        return new DecisionEvent(1, UUID.randomUUID().toString(), UUID.randomUUID().toString(), timestamp, "gw-bench",
                "route-" + (i % 20), "rule-" + (i % 5), "client-" + (i * 7919 % 10_000), outcome, "burst", 3, 100, 1, 180);
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : admin.listOffsets(request).all().get().entrySet()) {
            out.put(e.getKey(), e.getValue().offset());
        }
        return out;
    }

    private static boolean consumed(Admin admin, Map<TopicPartition, Long> ends) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(APP_ID).partitionsToOffsetAndMetadata().get();
        return ends.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                && committed.get(e.getKey()).offset() >= e.getValue());
    }

    /** The repartition topic's committed offsets have reached its end (its end is final once the input is consumed). */
    private static boolean repartitionDrained(Admin admin, int partitions) throws Exception {
        String topic = APP_ID + "-by-dimension-repartition";
        return consumed(admin, endOffsets(admin, topic, partitions));
    }

    private static long routeTotal(KafkaStreams streams) {
        ReadOnlyWindowStore<String, OutcomeCounts> store = streams.store(StoreQueryParameters
                .fromNameAndType(Step.HOUR.storeName(), QueryableStoreTypes.<String, OutcomeCounts>windowStore()));
        long total = 0;
        try (KeyValueIterator<Windowed<String>, OutcomeCounts> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                if (kv.key.key().startsWith("route:")) {
                    total += kv.value.total();
                }
            }
        }
        return total;
    }

    /** Steady load plus probes; prints the probe lag percentiles. */
    private static void lag(String bootstrap, int rate, int seconds) throws Exception {
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> lags = Collections.synchronizedList(new ArrayList<>());
        LongAdder received = new LongAdder();
        Thread consumer = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "bench-lag-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                c.subscribe(List.of(Topics.COUNTS));
                while (!Thread.currentThread().isInterrupted()) {
                    c.poll(Duration.ofMillis(50)).forEach(r -> {
                        received.increment();
                        Long sent = sentAt.remove(r.key());
                        if (sent != null) {
                            lags.add(System.currentTimeMillis() - sent);
                        }
                    });
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // done
            }
        });
        consumer.start();
        Thread.sleep(3_000); // let the consumer join before the first probe
        JsonSerde<DecisionEvent> serde = new JsonSerde.DecisionEventSerde();
        long probes = 0;
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            long start = System.nanoTime();
            long sent = 0;
            while (System.nanoTime() - start < seconds * 1_000_000_000L) {
                long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
                for (; sent < due; sent++) {
                    DecisionEvent e = decision((int) sent, System.currentTimeMillis());
                    producer.send(new ProducerRecord<>(Topics.DECISIONS, e.key().getBytes(), serde.serialize(Topics.DECISIONS, e)));
                }
                if ((System.nanoTime() - start) / 100_000_000L >= probes) {
                    String route = "probe-" + probes++;
                    DecisionEvent probe = new DecisionEvent(1, UUID.randomUUID().toString(), "probe", System.currentTimeMillis(),
                            "gw-bench", route, "probe-rule", "probe-client", Outcome.ALLOWED, "burst", 0, 1, 1, 0);
                    sentAt.put(CountsUpdate.Dimension.ROUTE.name().toLowerCase() + ":" + route, probe.timestamp());
                    producer.send(new ProducerRecord<>(Topics.DECISIONS, probe.key().getBytes(), serde.serialize(Topics.DECISIONS, probe)));
                }
                Thread.sleep(1); // pacing the load generator
            }
            producer.flush();
        }
        Thread.sleep(5_000); // let the last probes arrive
        consumer.interrupt();
        consumer.join();
        List<Long> sorted = new ArrayList<>(lags);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            System.out.println("lag: no probe arrived");
            return;
        }
        System.out.printf("lag at %,d decisions/s for %d s: %d probes, %d arrived; p50 %d ms, p90 %d ms, p99 %d ms, max %d ms (%s)%n",
                rate, seconds, probes, sorted.size(), pct(sorted, 50), pct(sorted, 90), pct(sorted, 99),
                sorted.get(sorted.size() - 1), Instant.now());
    }

    private static long pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
