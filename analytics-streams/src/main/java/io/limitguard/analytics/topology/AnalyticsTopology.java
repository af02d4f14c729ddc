package io.limitguard.analytics.topology;

import io.limitguard.events.CountsUpdate;
import io.limitguard.events.CountsUpdate.Dimension;
import io.limitguard.events.DecisionEvent;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.OutcomeCounts;
import io.limitguard.events.Topics;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The analytics topology, built by {@link #build(TopologyConfig)} alone.
 *
 * <pre>
 * limitguard.decisions (bytes)
 *   └─ parse ─┬─ poison ─▶ limitguard.decisions.dlq (bytes as read + error headers)
 *             └─ events ─┬─ second-buckets: counts per (route:&lt;id&gt; | rule:&lt;id&gt;, 1 s), store second-buckets,
 *                        │    forwarded every flush interval stamped with the bucket start
 *                        │    └─ repartition "by-dimension" (once; one record per key and second)
 *                        │         ├─ 1 s windows ─▶ store counts-1s ─▶ limitguard.counts (CountsUpdate)
 *                        │         ├─ 1 min windows ─▶ store counts-1m
 *                        │         └─ 1 h windows ─▶ store counts-1h
 *                        └─ top-blocked: rejections only, Space-Saving per minute per task
 *                                              stores top-blocked-1m, top-blocked-clock
 * </pre>
 *
 * Windows are tumbling and aligned to the epoch; a window's start is inclusive, its end exclusive.
 * Event time is the decision's own {@code timestamp}.
 */
public final class AnalyticsTopology {

    /** Window store: per task, one {@link SpaceSaving} summary of blocked keys per minute. */
    public static final String TOP_BLOCKED_STORE = "top-blocked-1m";
    /** Key-value store: the largest decision timestamp a task has seen (the top-blocked clock). */
    static final String TOP_BLOCKED_CLOCK_STORE = "top-blocked-clock";
    /** Key-value store (in memory, logged): counts per (route/rule, 1 s bucket) not yet forwarded. */
    static final String SECOND_BUCKETS_STORE = "second-buckets";
    /** The one repartition topic (suffix; Streams prefixes the application id). */
    static final String REPARTITION_NAME = "by-dimension";

    /** Decisions may be this far ahead of this instance's clock even with a smaller grace (clock skew). */
    static final long MIN_CLOCK_TOLERANCE_MS = 1_000;

    private AnalyticsTopology() {
    }

    public static Topology build(TopologyConfig config) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<String> strings = Serdes.String();

        Map<String, KStream<byte[], ParsedDecision>> parsed = builder
                .stream(Topics.DECISIONS, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("decisions"))
                .process(() -> new DecisionParser(config.poisonListener(),
                        Math.max(config.grace().toMillis(), MIN_CLOCK_TOLERANCE_MS)), Named.as("parse"))
                .split(Named.as("parsed-"))
                .branch((key, value) -> value.isPoison(), Branched.as("poison"))
                .defaultBranch(Branched.as("events"));

        parsed.get("parsed-poison")
                .mapValues(ParsedDecision::raw, Named.as("poison-bytes"))
                .to(Topics.DECISIONS_DLQ, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dlq"));

        KStream<byte[], DecisionEvent> events = parsed.get("parsed-events")
                .mapValues(ParsedDecision::event, Named.as("event"));

        // Count per (route:<id> | rule:<id>, 1 s bucket) first, then repartition the buckets' counts once;
        // every window size aggregates the same repartitioned stream.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SECOND_BUCKETS_STORE),
                        strings, CompactSerdes.outcomeCounts())
                .withCachingEnabled()); // logged (changelog) by default: restored after a crash
        KGroupedStream<String, OutcomeCounts> byDimension = events
                .process(() -> new SecondBuckets(config.flushInterval()), Named.as("second-buckets"), SECOND_BUCKETS_STORE)
                .repartition(Repartitioned.with(strings, CompactSerdes.outcomeCounts()).withName(REPARTITION_NAME))
                .groupByKey(Grouped.with(strings, CompactSerdes.outcomeCounts()));

        for (Step step : Step.values()) {
            KTable<Windowed<String>, OutcomeCounts> counts = byDimension
                    .windowedBy(TimeWindows.ofSizeAndGrace(step.size(), config.grace()))
                    .aggregate(() -> OutcomeCounts.ZERO,
                            (key, bucket, total) -> total.plus(bucket),
                            Named.as("count-" + step.label()),
                            Materialized.<String, OutcomeCounts, WindowStore<Bytes, byte[]>>as(step.storeName())
                                    .withKeySerde(strings)
                                    .withValueSerde(CompactSerdes.outcomeCounts())
                                    .withRetention(config.retention(step))
                                    .withStoreType(config.storeType()));
            if (step == Step.SECOND) {
                counts.toStream(Named.as("live-" + step.label()))
                        .map((window, value) -> KeyValue.pair(window.key(), update(step, window, value)),
                                Named.as("counts-update"))
                        .to(Topics.COUNTS, Produced.with(strings, new JsonSerde.CountsUpdateSerde()).withName("counts"));
            }
        }

        boolean rocks = config.storeType() == Materialized.StoreType.ROCKS_DB;
        builder.addStateStore(Stores.windowStoreBuilder(rocks
                        ? Stores.persistentWindowStore(TOP_BLOCKED_STORE, config.minuteRetention(), Step.MINUTE.size(), false)
                        : Stores.inMemoryWindowStore(TOP_BLOCKED_STORE, config.minuteRetention(), Step.MINUTE.size(), false),
                        strings, new SpaceSavingSerde())
                .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(rocks
                        ? Stores.persistentKeyValueStore(TOP_BLOCKED_CLOCK_STORE)
                        : Stores.inMemoryKeyValueStore(TOP_BLOCKED_CLOCK_STORE), strings, Serdes.Long())
                .withCachingEnabled());
        long graceMs = config.grace().toMillis();
        // Every event advances the top-blocked clock; only rejections are counted.
        events.process(() -> new TopBlockedProcessor(config.topN(), graceMs), Named.as("top-blocked"),
                        TOP_BLOCKED_STORE, TOP_BLOCKED_CLOCK_STORE);

        return builder.build();
    }

    private static CountsUpdate update(Step step, Windowed<String> window, OutcomeCounts counts) {
        DimensionKey key = DimensionKey.parse(window.key());
        return new CountsUpdate(CountsUpdate.VERSION, key.dimension(), key.id(), step.label(),
                window.window().start(), window.window().end(), counts);
    }
}
