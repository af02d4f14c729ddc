package io.limitguard.analytics.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.events.CountsUpdate;
import io.limitguard.events.DecisionEvent;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.Outcome;
import io.limitguard.events.OutcomeCounts;
import io.limitguard.events.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalyticsTopologyTest {

    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final Duration FLUSH = Duration.ofMillis(100);
    /** A minute boundary, so second/minute/hour windows are easy to reason about. */
    private static final long T0 = Instant.parse("2026-11-29T14:00:00Z").toEpochMilli();

    private static final long WALL_CLOCK_AFTER_T0 = Duration.ofDays(1).toMillis();

    @TempDir
    Path stateDir;

    private final AtomicInteger poison = new AtomicInteger();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> decisions;

    private void start(TopologyConfig config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "analytics-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0); // every update visible downstream
        // A fixed wall clock a day after T0 (decisions are judged against it, see DecisionParser).
        driver = new TopologyTestDriver(AnalyticsTopology.build(config), props, Instant.ofEpochMilli(T0 + WALL_CLOCK_AFTER_T0));
        decisions = driver.createInputTopic(Topics.DECISIONS, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    }

    private void start() {
        start(config(100, Duration.ofHours(1), Duration.ofDays(7)));
    }

    private TopologyConfig config(int topN, Duration secondRetention, Duration minuteRetention) {
        return new TopologyConfig(GRACE, secondRetention, minuteRetention, Duration.ofDays(90), topN, poison::incrementAndGet,
                FLUSH, Materialized.StoreType.IN_MEMORY);
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private void send(String route, String rule, String key, Outcome outcome, long timestamp) {
        DecisionEvent e = new DecisionEvent(DecisionEvent.VERSION, UUID.randomUUID().toString(), "req", timestamp,
                "gw-1", route, rule, key, outcome, "burst", 0, 10, 1, 100);
        // The record timestamp is deliberately not the event time: the topology must use the event's own.
        decisions.pipeInput(new TestRecord<>(key.getBytes(StandardCharsets.UTF_8),
                new JsonSerde.DecisionEventSerde().serialize(Topics.DECISIONS, e), Instant.ofEpochMilli(T0 - 3_600_000L)));
        flush();
    }

    /** Lets the per-second buckets reach the window stores (a wall-clock punctuation). */
    private void flush() {
        driver.advanceWallClockTime(FLUSH);
    }

    private Map<Long, OutcomeCounts> windows(Step step, String key) {
        WindowStore<String, OutcomeCounts> store = driver.getWindowStore(step.storeName());
        Map<Long, OutcomeCounts> out = new HashMap<>();
        try (WindowStoreIterator<OutcomeCounts> it = store.fetch(key, Instant.ofEpochMilli(0), Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
            it.forEachRemaining(kv -> out.put(kv.key, kv.value));
        }
        return out;
    }

    private static OutcomeCounts counts(long allowed, long blocked) {
        return new OutcomeCounts(allowed, blocked, 0, 0, 0, 0, 0);
    }

    @Test
    void countsEveryOutcomePerRouteAndPerRuleInEachWindowSize() {
        start();
        send("demo", "per-ip", "a", Outcome.ALLOWED, T0);
        send("demo", "per-ip", "a", Outcome.BLOCKED, T0 + 999);        // same second
        send("demo", "per-key", "b", Outcome.SHADOW_BLOCKED, T0 + 1_000); // next second
        send("demo", "per-key", "b", Outcome.FAILED_OPEN, T0 + 59_999);  // last ms of the minute
        send("demo", "per-key", "b", Outcome.FAILED_CLOSED, T0 + 60_000); // next minute
        send("other", "per-ip", "c", Outcome.LOCAL_ALLOWED, T0 + 60_001);
        assertThat(windows(Step.SECOND, "route:demo")).isEqualTo(Map.of(
                T0, counts(1, 1),
                T0 + 1_000, new OutcomeCounts(0, 0, 1, 0, 0, 0, 0),
                T0 + 59_000, new OutcomeCounts(0, 0, 0, 1, 0, 0, 0),
                T0 + 60_000, new OutcomeCounts(0, 0, 0, 0, 1, 0, 0)));

        send("other", "per-ip", "c", Outcome.LOCAL_BLOCKED, T0 + 3_600_000); // next hour
        // ...which is past the 1 h retention of the 1 s windows of the first second.
        assertThat(windows(Step.SECOND, "route:demo")).doesNotContainKey(T0);
        assertThat(windows(Step.MINUTE, "route:demo")).isEqualTo(Map.of(
                T0, new OutcomeCounts(1, 1, 1, 1, 0, 0, 0),
                T0 + 60_000, new OutcomeCounts(0, 0, 0, 0, 1, 0, 0)));
        assertThat(windows(Step.HOUR, "route:demo")).isEqualTo(Map.of(T0, new OutcomeCounts(1, 1, 1, 1, 1, 0, 0)));
        assertThat(windows(Step.HOUR, "route:other")).isEqualTo(Map.of(
                T0, new OutcomeCounts(0, 0, 0, 0, 0, 1, 0),
                T0 + 3_600_000, new OutcomeCounts(0, 0, 0, 0, 0, 0, 1)));
        assertThat(windows(Step.MINUTE, "rule:per-ip")).isEqualTo(Map.of(
                T0, counts(1, 1),
                T0 + 60_000, new OutcomeCounts(0, 0, 0, 0, 0, 1, 0),
                T0 + 3_600_000, new OutcomeCounts(0, 0, 0, 0, 0, 0, 1)));
        assertThat(windows(Step.HOUR, "rule:per-key")).isEqualTo(Map.of(T0, new OutcomeCounts(0, 0, 1, 1, 1, 0, 0)));
        assertThat(windows(Step.HOUR, "rule:per-ip")).isEqualTo(Map.of(
                T0, new OutcomeCounts(1, 1, 0, 0, 0, 1, 0),
                T0 + 3_600_000, new OutcomeCounts(0, 0, 0, 0, 0, 0, 1)));
        assertThat(poison).hasValue(0);
    }

    @Test
    void countsReachTheWindowsOnlyWhenTheSecondBucketsAreFlushed() {
        start();
        // Piped without a flush: the decisions wait in their per-second buckets.
        DecisionEvent e = new DecisionEvent(DecisionEvent.VERSION, "id", "req", T0 + 5, "gw-1", "demo", "r", "a",
                Outcome.ALLOWED, "burst", 0, 10, 1, 100);
        for (int i = 0; i < 3; i++) {
            decisions.pipeInput(new TestRecord<>("a".getBytes(StandardCharsets.UTF_8),
                    new JsonSerde.DecisionEventSerde().serialize(Topics.DECISIONS, e), Instant.ofEpochMilli(T0)));
        }
        WindowStore<String, OutcomeCounts> store = driver.getWindowStore(Step.SECOND.storeName());
        try (WindowStoreIterator<OutcomeCounts> it = store.fetch("route:demo", Instant.ofEpochMilli(0), Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
            assertThat(it.hasNext()).isFalse();
        }
        assertThat(driver.getKeyValueStore(AnalyticsTopology.SECOND_BUCKETS_STORE).get(T0 + "|route:demo"))
                .isEqualTo(counts(3, 0));
        flush();
        assertThat(windows(Step.SECOND, "route:demo")).isEqualTo(Map.of(T0, counts(3, 0)));
        assertThat(driver.getKeyValueStore(AnalyticsTopology.SECOND_BUCKETS_STORE).get(T0 + "|route:demo")).isNull();
    }

    @Test
    void publishesOneSecondUpdatesKeyedByTopicKey() {
        start();
        TestOutputTopic<String, CountsUpdate> counts = driver.createOutputTopic(Topics.COUNTS,
                Serdes.String().deserializer(), new JsonSerde.CountsUpdateSerde());
        send("demo", "per-ip", "a", Outcome.ALLOWED, T0 + 10);
        send("demo", "per-ip", "a", Outcome.BLOCKED, T0 + 20);

        List<KeyValue<String, CountsUpdate>> updates = counts.readKeyValuesToList();
        assertThat(updates).allSatisfy(kv -> assertThat(kv.key).isEqualTo(kv.value.topicKey()));
        // Without the record cache every update is emitted; the last per key is the window's total.
        Map<String, CountsUpdate> last = new HashMap<>();
        updates.forEach(kv -> last.put(kv.key, kv.value));
        assertThat(last).containsOnlyKeys("route:demo", "rule:per-ip");
        assertThat(last.get("route:demo")).isEqualTo(new CountsUpdate(CountsUpdate.VERSION,
                CountsUpdate.Dimension.ROUTE, "demo", "1s", T0, T0 + 1_000, counts(1, 1)));
        assertThat(last.get("rule:per-ip")).isEqualTo(new CountsUpdate(CountsUpdate.VERSION,
                CountsUpdate.Dimension.RULE, "per-ip", "1s", T0, T0 + 1_000, counts(1, 1)));
    }

    @Test
    void lateEventsCountWithinGraceAndAreDroppedAfter() {
        start();
        send("demo", "r", "a", Outcome.ALLOWED, T0 + 500);
        // Stream time moves to T0 + 11 s: window [T0, T0+1s) closes at T0 + 1 s + 10 s grace = T0 + 11 s.
        send("demo", "r", "a", Outcome.ALLOWED, T0 + 10_999);
        send("demo", "r", "a", Outcome.BLOCKED, T0 + 100);   // late, but inside grace: counted
        send("demo", "r", "a", Outcome.ALLOWED, T0 + 11_000); // stream time reaches the close time
        send("demo", "r", "a", Outcome.BLOCKED, T0 + 200);   // after grace: dropped from the 1 s window

        assertThat(windows(Step.SECOND, "route:demo").get(T0)).isEqualTo(counts(1, 1));
        // The minute window [T0, T0+60s) is still open, so the same late event counts there.
        assertThat(windows(Step.MINUTE, "route:demo").get(T0)).isEqualTo(counts(3, 2));

        // After minute + grace the minute window closes too, and top-blocked (per minute) follows the same rule.
        send("demo", "r", "b", Outcome.ALLOWED, T0 + 70_000);
        send("demo", "r", "late", Outcome.BLOCKED, T0 + 59_000);
        assertThat(windows(Step.MINUTE, "route:demo").get(T0)).isEqualTo(counts(3, 2));
        assertThat(topBlocked(T0)).containsExactly(new SpaceSaving.Entry("a", 2, 0));
    }

    @Test
    void windowsOlderThanRetentionAreGone() {
        Duration secondRetention = Duration.ofMinutes(2);
        start(config(100, secondRetention, Duration.ofDays(7)));
        send("demo", "r", "a", Outcome.ALLOWED, T0);
        assertThat(windows(Step.SECOND, "route:demo")).containsOnlyKeys(T0);

        send("demo", "r", "a", Outcome.ALLOWED, T0 + Duration.ofMinutes(10).toMillis());
        assertThat(windows(Step.SECOND, "route:demo")).containsOnlyKeys(T0 + Duration.ofMinutes(10).toMillis());
        // The longer-lived minute windows still hold the first event.
        assertThat(windows(Step.MINUTE, "route:demo")).containsKeys(T0);
    }

    private List<SpaceSaving.Entry> topBlocked(long minuteStart) {
        WindowStore<String, SpaceSaving> store = driver.getWindowStore(AnalyticsTopology.TOP_BLOCKED_STORE);
        Map<String, Long> merged = new HashMap<>();
        List<SpaceSaving> summaries = new ArrayList<>();
        try (KeyValueIterator<Windowed<String>, SpaceSaving> it = store.fetchAll(Instant.ofEpochMilli(minuteStart), Instant.ofEpochMilli(minuteStart))) {
            it.forEachRemaining(kv -> summaries.add(kv.value));
        }
        assertThat(summaries).hasSizeLessThanOrEqualTo(1); // one task in the test driver
        return summaries.isEmpty() ? List.of() : summaries.get(0).entries();
    }

    @Test
    void topBlockedIsExactWhileDistinctKeysFitAndCountsOnlyRejections() {
        start();
        for (int i = 0; i < 5; i++) {
            send("demo", "r", "alice", Outcome.BLOCKED, T0 + i);
        }
        send("demo", "r", "bob", Outcome.LOCAL_BLOCKED, T0 + 10);
        send("demo", "r", "bob", Outcome.FAILED_CLOSED, T0 + 11);
        send("demo", "r", "carol", Outcome.BLOCKED, T0 + 12);
        send("demo", "r", "dave", Outcome.ALLOWED, T0 + 13);         // not blocked
        send("demo", "r", "erin", Outcome.SHADOW_BLOCKED, T0 + 14);  // let through: not blocked
        send("demo", "r", "alice", Outcome.BLOCKED, T0 + 60_000);    // next minute

        assertThat(topBlocked(T0)).containsExactly(
                new SpaceSaving.Entry("alice", 5, 0),
                new SpaceSaving.Entry("bob", 2, 0),
                new SpaceSaving.Entry("carol", 1, 0));
        assertThat(topBlocked(T0 + 60_000)).containsExactly(new SpaceSaving.Entry("alice", 1, 0));
    }

    @Test
    void topBlockedStaysBoundedAndKeepsHeavyHittersWithBoundedError() {
        int k = 5;
        start(config(k, Duration.ofHours(1), Duration.ofDays(7)));
        long ts = T0;
        Map<String, Long> truth = new HashMap<>();
        // Two heavy hitters interleaved with 200 distinct one-off keys.
        for (int i = 0; i < 200; i++) {
            String heavy = i % 2 == 0 ? "heavy-1" : "heavy-2";
            send("demo", "r", heavy, Outcome.BLOCKED, ts++);
            truth.merge(heavy, 1L, Long::sum);
            if (i % 4 == 0) {
                send("demo", "r", "heavy-1", Outcome.BLOCKED, ts++);
                truth.merge("heavy-1", 1L, Long::sum);
            }
            String once = "once-" + i;
            send("demo", "r", once, Outcome.BLOCKED, ts++);
            truth.merge(once, 1L, Long::sum);
        }
        List<SpaceSaving.Entry> top = topBlocked(T0);
        assertThat(top).hasSize(k);
        assertThat(top.get(0).key()).isEqualTo("heavy-1");
        assertThat(top.get(1).key()).isEqualTo("heavy-2");
        long minCounter = top.get(top.size() - 1).count();
        for (SpaceSaving.Entry e : top) {
            long real = truth.get(e.key());
            assertThat(e.count()).isGreaterThanOrEqualTo(real).isLessThanOrEqualTo(real + minCounter);
            assertThat(e.count() - e.error()).isLessThanOrEqualTo(real);
        }
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndAreCounted() {
        start();
        TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(Topics.DECISIONS_DLQ,
                Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
        byte[] garbage = {0, 1, 2, (byte) 0xff};
        byte[] missingFields = "{\"v\":1,\"timestamp\":5}".getBytes(StandardCharsets.UTF_8);
        byte[] negativeTime = ("{\"v\":1,\"eventId\":\"e\",\"timestamp\":-5,\"routeId\":\"demo\",\"ruleId\":\"r\","
                + "\"key\":\"k\",\"outcome\":\"ALLOWED\"}").getBytes(StandardCharsets.UTF_8);
        byte[] unknownOutcome = ("{\"v\":1,\"eventId\":\"e\",\"timestamp\":5,\"routeId\":\"demo\",\"ruleId\":\"r\","
                + "\"key\":\"k\",\"outcome\":\"MAYBE\"}").getBytes(StandardCharsets.UTF_8);
        for (byte[] bad : List.of(garbage, missingFields, negativeTime, unknownOutcome)) {
            decisions.pipeInput("k".getBytes(StandardCharsets.UTF_8), bad);
        }
        assertThat(driver.getKeyValueStore(AnalyticsTopology.SECOND_BUCKETS_STORE).approximateNumEntries()).isZero();
        send("demo", "r", "a", Outcome.ALLOWED, T0); // the stream goes on

        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).extracting(TestRecord::value).containsExactly(garbage, missingFields, negativeTime, unknownOutcome);
        assertThat(dead).allSatisfy(r -> {
            assertThat(r.key()).isEqualTo("k".getBytes(StandardCharsets.UTF_8));
            assertThat(r.headers().lastHeader(DecisionParser.HEADER_ERROR)).isNotNull();
            assertThat(new String(r.headers().lastHeader(DecisionParser.HEADER_SOURCE).value(), StandardCharsets.UTF_8))
                    .startsWith(Topics.DECISIONS + "-0@");
        });
        assertThat(new String(dead.get(2).headers().lastHeader(DecisionParser.HEADER_ERROR).value(), StandardCharsets.UTF_8))
                .contains("negative timestamp");
        assertThat(poison).hasValue(4);
        assertThat(windows(Step.SECOND, "route:demo")).isEqualTo(Map.of(T0, counts(1, 0)));
    }

    @Test
    void aDecisionFarAheadOfTheClockGoesToTheDeadLetterTopicInsteadOfClosingEveryWindow() {
        start();
        TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(Topics.DECISIONS_DLQ,
                Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
        send("demo", "r", "a", Outcome.BLOCKED, T0);
        // One gateway with a broken clock (or a timestamp in microseconds): a year ahead of everyone.
        long yearAhead = T0 + WALL_CLOCK_AFTER_T0 + Duration.ofDays(365).toMillis();
        send("demo", "r", "a", Outcome.BLOCKED, yearAhead);
        send("demo", "r", "a", Outcome.BLOCKED, T0 + 2_000); // the other gateways go on

        // Before: stream time jumped a year ahead; the 1 s and 1 min history already stored was expired
        // (retention), every later decision was dropped as late, and top-blocked stopped counting.
        assertThat(windows(Step.SECOND, "route:demo")).isEqualTo(Map.of(T0, counts(0, 1), T0 + 2_000, counts(0, 1)));
        assertThat(windows(Step.MINUTE, "route:demo")).isEqualTo(Map.of(T0, counts(0, 2)));
        assertThat(topBlocked(T0)).containsExactly(new SpaceSaving.Entry("a", 2, 0));
        assertThat(dlq.readRecordsToList()).singleElement().satisfies(r -> assertThat(
                new String(r.headers().lastHeader(DecisionParser.HEADER_ERROR).value(), StandardCharsets.UTF_8))
                .contains("ahead"));
        assertThat(poison).hasValue(1);
    }

    @Test
    void aDecisionAtTheEndOfTimeGoesToTheDeadLetterTopicInsteadOfFailingTheTaskForever() {
        start();
        // Before: the 1 s window's end overflowed: IllegalArgumentException in count-1s, on every retry of the
        // (replaced) stream thread, since the record stays uncommitted in the repartition topic.
        send("demo", "r", "a", Outcome.BLOCKED, Long.MAX_VALUE - 5);
        send("demo", "r", "a", Outcome.BLOCKED, T0);
        assertThat(windows(Step.SECOND, "route:demo")).isEqualTo(Map.of(T0, counts(0, 1)));
        assertThat(poison).hasValue(1);
    }

    @Test
    void aDecisionOfAnotherSchemaVersionOrWithoutATimestampGoesToTheDeadLetterTopicInsteadOfBeingCounted() {
        start();
        TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(Topics.DECISIONS_DLQ,
                Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
        String fields = "\"eventId\":\"e\",\"routeId\":\"demo\",\"ruleId\":\"r\",\"key\":\"k\",\"outcome\":\"BLOCKED\"";
        // A newer gateway whose fields mean something else (the contract bumps v for that), a writer that
        // knows no version at all, and a decision without its time: none is a v1 decision to count.
        byte[] version2 = ("{\"v\":2,\"timestamp\":" + T0 + "," + fields + "}").getBytes(StandardCharsets.UTF_8);
        byte[] noVersion = ("{\"timestamp\":" + T0 + "," + fields + "}").getBytes(StandardCharsets.UTF_8);
        byte[] noTimestamp = ("{\"v\":1," + fields + "}").getBytes(StandardCharsets.UTF_8);
        for (byte[] bad : List.of(version2, noVersion, noTimestamp)) {
            decisions.pipeInput("k".getBytes(StandardCharsets.UTF_8), bad);
        }
        send("demo", "r", "a", Outcome.ALLOWED, T0); // the stream goes on

        // Before: v2 and the version-less one were counted as v1 decisions (1 s, 1 min, top-blocked), the one
        // without a timestamp was read as 1970-01-01 and silently dropped as late: in no count and no DLQ.
        assertThat(windows(Step.SECOND, "route:demo")).isEqualTo(Map.of(T0, counts(1, 0)));
        assertThat(windows(Step.MINUTE, "route:demo")).isEqualTo(Map.of(T0, counts(1, 0)));
        assertThat(topBlocked(T0)).isEmpty();
        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).extracting(TestRecord::value).containsExactly(version2, noVersion, noTimestamp);
        assertThat(dead).extracting(r -> new String(r.headers().lastHeader(DecisionParser.HEADER_ERROR).value(), StandardCharsets.UTF_8))
                .satisfiesExactly(
                        e -> assertThat(e).contains("schema version 2"),
                        e -> assertThat(e).contains("schema version 0"),
                        e -> assertThat(e).contains("missing timestamp"));
        assertThat(poison).hasValue(3);
    }

    @Test
    void usesOneRepartitionTopicAndSixStores() {
        TopologyDescription description = AnalyticsTopology.build(config(10, Duration.ofHours(1), Duration.ofDays(7))).describe();
        List<String> sinkTopics = new ArrayList<>();
        Set<String> stores = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : description.subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Sink sink) {
                    sinkTopics.add(sink.topic());
                }
                if (node instanceof TopologyDescription.Processor p) {
                    stores.addAll(p.stores());
                }
            }
        }
        assertThat(sinkTopics).containsExactlyInAnyOrder(Topics.DECISIONS_DLQ, Topics.COUNTS,
                AnalyticsTopology.REPARTITION_NAME + "-repartition");
        assertThat(stores).containsExactlyInAnyOrder("counts-1s", "counts-1m", "counts-1h", AnalyticsTopology.SECOND_BUCKETS_STORE,
                AnalyticsTopology.TOP_BLOCKED_STORE, AnalyticsTopology.TOP_BLOCKED_CLOCK_STORE);
    }
}
