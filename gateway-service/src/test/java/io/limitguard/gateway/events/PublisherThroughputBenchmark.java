package io.limitguard.gateway.events;

import io.limitguard.events.DecisionEvent;
import io.limitguard.events.Outcome;
import io.limitguard.testsupport.KafkaFixture;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Publisher throughput against a real broker: how many decision events per second one publisher
 * gets acknowledged, and how many bytes each costs on the wire. Not a test: run with
 * {@code bench/publisher/run.sh [bootstrap-servers] [round-seconds] [rounds]}; without bootstrap
 * servers a local broker is started (KafkaFixture).
 *
 * <p>Variants run side by side in one JVM against one broker, in alternating rounds after a
 * warm-up: lz4 (the default), zstd, and lz4 with HMAC-hashed keys. The driver offers events only
 * while the queue has room (nothing is dropped), so the figure is what the drainer and the
 * producer sustain, not how fast a full queue drops.
 */
public final class PublisherThroughputBenchmark {

    private static final int QUEUE_CAPACITY = 10_000;
    private static final int MAX_IN_FLIGHT = 20_000;

    private record Variant(String name, KafkaDecisionPublisher publisher, MeterRegistry registry, List<Double> rates,
                           List<Double> recordSize, List<Double> compression, List<Double> wireBytes,
                           List<Double> publisherCpuMicros) {
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** CPU time (ns) of the publisher's own threads: drainers (idle ones cost ~0) and this variant's producer I/O thread. */
    private static long publisherCpuNanos(String variant) {
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (name.equals("limitguard-events-drainer") || name.equals("kafka-producer-network-thread | bench-" + variant)) {
                total += Math.max(0, THREADS.getThreadCpuTime(t.getId()));
            }
        }
        return total;
    }

    public static void main(String[] args) throws Exception {
        int roundSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        KafkaFixture fixture = args.length > 0 && !args[0].isBlank() ? null : KafkaFixture.start();
        String bootstrap = fixture != null ? fixture.bootstrapServers() : args[0];
        List<DecisionEvent> events = realisticEvents(200_000);
        int capacity = QUEUE_CAPACITY;
        Map<String, KafkaEventsProperties> variants = new LinkedHashMap<>();
        variants.put("lz4", properties(capacity, false));
        variants.put("zstd", properties(capacity, false));
        variants.put("lz4+hmac-keys", properties(capacity, true));
        List<Variant> running = new ArrayList<>();
        try {
            for (Map.Entry<String, KafkaEventsProperties> v : variants.entrySet()) {
                Map<String, Object> boot = Map.of("bootstrap.servers", bootstrap,
                        "compression.type", v.getKey().startsWith("zstd") ? "zstd" : "lz4",
                        "client.id", "bench-" + v.getKey());
                KafkaDecisionPublisher publisher = KafkaDecisionPublisher.start(v.getValue(), boot, boot);
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                publisher.registerMetrics(registry);
                running.add(new Variant(v.getKey(), publisher, registry, new ArrayList<>(), new ArrayList<>(),
                        new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
            }
            System.out.printf("date %s, cores %d, JVM %s, broker %s%n", Instant.now(),
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"),
                    fixture != null ? "local KafkaFixture (1 broker, child JVM)" : bootstrap);
            System.out.printf("event JSON %d bytes on average%n", averageJsonBytes(events));
            // Warm-up: 30 s in total, alternating.
            for (int i = 0; i < 6; i++) {
                drive(running.get(i % running.size()), events, Duration.ofSeconds(5));
            }
            running.forEach(v -> {
                v.recordSize().clear();
                v.compression().clear();
                v.wireBytes().clear();
                v.publisherCpuMicros().clear();
            });
            for (int round = 0; round < rounds; round++) {
                for (Variant variant : running) {
                    double rate = drive(variant, events, Duration.ofSeconds(roundSeconds));
                    variant.rates().add(rate);
                    System.out.printf("round %d %-14s %,10.0f events/s  publisher CPU %.1f us/event%n", round + 1,
                            variant.name(), rate, variant.publisherCpuMicros().get(variant.publisherCpuMicros().size() - 1));
                }
            }
            System.out.println();
            double base = median(running.get(0).rates());
            for (Variant variant : running) {
                double recordSize = median(variant.recordSize());
                double compression = median(variant.compression());
                PublisherAccounting.Snapshot a = variant.publisher().accounting();
                System.out.printf("%-14s median %,9.0f events/s (x%.2f of lz4) | record-size-avg %.0f B,"
                                + " compression-rate-avg %.3f => %.0f B/event compressed; %.0f B/event sent incl."
                                + " protocol | CPU/event: drainer+producer %.1f us"
                                + " | published %,d dropped %,d%n",
                        variant.name(), median(variant.rates()), median(variant.rates()) / base, recordSize,
                        compression, recordSize * compression, median(variant.wireBytes()),
                        median(variant.publisherCpuMicros()), a.published(), a.dropped());
            }
        } finally {
            running.forEach(v -> v.publisher().close());
            if (fixture != null) {
                fixture.close();
            }
        }
    }

    /**
     * Offers events while the queue has room and fewer than {@link #MAX_IN_FLIGHT} are in flight (so
     * nothing is dropped or expires: the producer would otherwise buffer up to {@code buffer.memory}); returns events
     * acknowledged per second during the round, and reads the producer's windowed averages then.
     */
    private static double drive(Variant variant, List<DecisionEvent> events, Duration length) {
        KafkaDecisionPublisher publisher = variant.publisher();
        long publishedBefore = publisher.accounting().published();
        double bytesBefore = total(variant.registry(), "kafka.producer.outgoing.byte.total");
        long publisherCpuBefore = publisherCpuNanos(variant.name());
        long start = System.nanoTime();
        long end = start + length.toNanos();
        int i = ThreadLocalRandom.current().nextInt(events.size());
        while (System.nanoTime() < end) {
            PublisherAccounting.Snapshot now = publisher.accounting();
            if (now.queued() < QUEUE_CAPACITY - 500 && now.inFlight() < MAX_IN_FLIGHT) {
                for (int k = 0; k < 500; k++) {
                    publisher.accept(events.get(i++ % events.size()));
                }
            } else {
                Thread.onSpinWait();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long published = publisher.accounting().published() - publishedBefore;
        variant.publisherCpuMicros().add((publisherCpuNanos(variant.name()) - publisherCpuBefore) / 1e3 / published);
        variant.recordSize().add(gauge(variant.registry(), "kafka.producer.record.size.avg"));
        variant.compression().add(gauge(variant.registry(), "kafka.producer.compression.rate.avg"));
        variant.wireBytes().add((total(variant.registry(), "kafka.producer.outgoing.byte.total") - bytesBefore) / published);
        return published / seconds;
    }

    private static KafkaEventsProperties properties(int capacity, boolean hashKeys) {
        return new KafkaEventsProperties(true, capacity, hashKeys, hashKeys ? "bench-secret" : null, Duration.ofSeconds(10),
                new KafkaEventsProperties.TopicSettings(true, 3, null, null, Duration.ofSeconds(1)));
    }

    /** Shaped like the gateway's: UUIDs, 1,000 client IPs, 3 routes, 2 rules per request. */
    private static List<DecisionEvent> realisticEvents(int n) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Outcome[] outcomes = {Outcome.ALLOWED, Outcome.ALLOWED, Outcome.ALLOWED, Outcome.BLOCKED, Outcome.SHADOW_BLOCKED};
        List<DecisionEvent> events = new ArrayList<>(n);
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            String requestId = i % 2 == 0 || events.isEmpty() ? UUID.randomUUID().toString() : events.get(i - 1).requestId();
            int client = random.nextInt(1_000);
            events.add(new DecisionEvent(DecisionEvent.VERSION, UUID.randomUUID().toString(), requestId, now + i,
                    "gateway-7f9c2d-1", "route-" + (client % 3), i % 2 == 0 ? "api-per-client" : "global-cap",
                    "10.0." + (client / 256) + "." + (client % 256), outcomes[random.nextInt(outcomes.length)],
                    i % 2 == 0 ? "burst" : "hourly", random.nextInt(20), 20, 1, 150 + random.nextInt(300)));
        }
        return events;
    }

    private static long averageJsonBytes(List<DecisionEvent> events) {
        io.limitguard.events.JsonSerde<DecisionEvent> serde = new io.limitguard.events.JsonSerde.DecisionEventSerde();
        return (long) events.stream().limit(10_000).mapToInt(e -> serde.serialize("t", e).length).average().orElse(0);
    }

    private static double gauge(MeterRegistry registry, String name) {
        return registry.get(name).gauge().value();
    }

    /** Producer-level counter (the per-node ones carry a node-id tag). */
    private static double total(MeterRegistry registry, String name) {
        return registry.find(name).functionCounters().stream()
                .filter(c -> c.getId().getTag("node-id") == null)
                .mapToDouble(io.micrometer.core.instrument.FunctionCounter::count).sum();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
