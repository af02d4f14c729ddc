package io.limitguard.analytics.topology;

import io.limitguard.events.CountsUpdate.Dimension;
import io.limitguard.events.DecisionEvent;
import io.limitguard.events.OutcomeCounts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Pre-aggregates decisions per (route or rule, 1 s bucket) before the repartition, and forwards the
 * buckets' counts every {@code flushInterval} (wall clock), stamped with the bucket's start. The
 * repartition and the window stores then see one record per key and second instead of one per
 * decision.
 *
 * <p>Exactly-once: the buckets live in a logged state store, not in memory. Offsets, bucket updates,
 * the forwarded counts and the bucket deletions commit in the same transaction, so a crash at any
 * point either keeps a bucket (restored from its changelog and forwarded later) or has forwarded it,
 * never both, never neither.
 *
 * <p>Store key: {@code <bucketStartMs, 13+ digits>|<route:id or rule:id>}, so iteration visits older
 * buckets first.
 */
final class SecondBuckets extends ContextualProcessor<byte[], DecisionEvent, String, OutcomeCounts> {

    private final Duration flushInterval;
    private KeyValueStore<String, OutcomeCounts> buckets;

    SecondBuckets(Duration flushInterval) {
        this.flushInterval = flushInterval;
    }

    @Override
    public void init(ProcessorContext<String, OutcomeCounts> context) {
        super.init(context);
        buckets = context.getStateStore(AnalyticsTopology.SECOND_BUCKETS_STORE);
        context.schedule(flushInterval, PunctuationType.WALL_CLOCK_TIME, now -> flush());
    }

    @Override
    public void process(Record<byte[], DecisionEvent> record) {
        DecisionEvent e = record.value();
        String second = Long.toString(Step.SECOND.windowStart(record.timestamp()));
        add(second + "|" + DimensionKey.of(Dimension.ROUTE, e.routeId()), e);
        add(second + "|" + DimensionKey.of(Dimension.RULE, e.ruleId()), e);
    }

    private void add(String bucket, DecisionEvent e) {
        OutcomeCounts counts = buckets.get(bucket);
        buckets.put(bucket, (counts == null ? OutcomeCounts.ZERO : counts).plus(e.outcome(), 1));
    }

    private void flush() {
        List<KeyValue<String, OutcomeCounts>> due = new ArrayList<>();
        try (KeyValueIterator<String, OutcomeCounts> it = buckets.all()) {
            it.forEachRemaining(due::add);
        }
        for (KeyValue<String, OutcomeCounts> bucket : due) {
            int bar = bucket.key.indexOf('|');
            long start = Long.parseLong(bucket.key.substring(0, bar));
            context().forward(new Record<>(bucket.key.substring(bar + 1), bucket.value, start));
            buckets.delete(bucket.key);
        }
    }
}
