package io.limitguard.analytics.topology;

import io.limitguard.events.DecisionEvent;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Counts blocked keys (outcomes that turned the client away: {@code Outcome.rejected()}) per one-minute window in a {@link SpaceSaving} summary of fixed size, one
 * summary per (window, task), stored under the task id in a window store. Runs on the input
 * partitions (decisions are keyed by the limited key, so a key's blocked decisions meet in one
 * task) and needs no repartition.
 *
 * <p>Late events follow the same rule as the windowed counts: a record is dropped once the task's
 * event-time clock (the largest decision timestamp seen, kept in a store so a restart keeps it)
 * has passed its window's end plus the grace period.
 */
final class TopBlockedProcessor extends ContextualProcessor<byte[], DecisionEvent, Void, Void> {

    private static final long WINDOW_MS = Step.MINUTE.size().toMillis();
    private static final String CLOCK_KEY = "event-time";

    private final int capacity;
    private final long graceMs;
    private WindowStore<String, SpaceSaving> summaries;
    private KeyValueStore<String, Long> clock;
    private String taskKey;
    private long eventTime = Long.MIN_VALUE;
    /**
     * The summary last written for {@link #cachedWindow}: saves deserializing K entries per blocked
     * decision. Written through to the store on every update, and dropped on every (re)initialization
     * of the task (which is when Streams rolls state back, e.g. after an aborted transaction).
     */
    private long cachedWindow = Long.MIN_VALUE;
    private SpaceSaving cachedSummary;

    TopBlockedProcessor(int capacity, long graceMs) {
        this.capacity = capacity;
        this.graceMs = graceMs;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        super.init(context);
        summaries = context.getStateStore(AnalyticsTopology.TOP_BLOCKED_STORE);
        clock = context.getStateStore(AnalyticsTopology.TOP_BLOCKED_CLOCK_STORE);
        taskKey = context.taskId().toString();
        cachedWindow = Long.MIN_VALUE;
        cachedSummary = null;
        Long stored = clock.get(CLOCK_KEY);
        eventTime = stored == null ? Long.MIN_VALUE : stored;
    }

    @Override
    public void process(Record<byte[], DecisionEvent> record) {
        long ts = record.timestamp();
        if (ts > eventTime) {
            eventTime = ts;
            clock.put(CLOCK_KEY, ts);
        }
        long windowStart = Step.MINUTE.windowStart(ts);
        if (!record.value().outcome().rejected() || windowStart + WINDOW_MS + graceMs <= eventTime) {
            return; // not blocked; or window closed: too late, as for the windowed counts
        }
        SpaceSaving summary = windowStart == cachedWindow ? cachedSummary : summaries.fetch(taskKey, windowStart);
        if (summary == null) {
            summary = new SpaceSaving(capacity);
        }
        summary.offer(record.value().key());
        summaries.put(taskKey, summary, windowStart);
        cachedWindow = windowStart;
        cachedSummary = summary;
    }
}
