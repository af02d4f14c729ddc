package io.limitguard.gateway.events;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where every decision handed to the publisher is: {@code decisions = published + dropped + inFlight},
 * with in-flight = queued + sent to Kafka and not yet acknowledged. Each term is counted on its own
 * (nothing is derived by subtraction), so the identity is a check, not a definition.
 *
 * <p>All updates are lock-free (the request path calls {@link #decision()} and
 * {@link #reserveQueueSlot(int)}). A reader racing a transition may see it half done, off by the
 * transitions in progress; at rest the identity is exact.
 */
public final class PublisherAccounting implements MeterBinder {

    /** Why an event did not reach Kafka. The {@code reason} tag of {@code limitguard.events.dropped}. */
    public enum DropReason {
        /** The in-memory queue was full (Kafka slow or down for longer than the queue covers). */
        QUEUE_FULL,
        /** The producer gave up: delivery timeout, broker error, or no metadata within {@code max.block.ms}. */
        SEND_FAILED,
        /** Still queued or unacknowledged when the publisher closed, or handed over after it closed. */
        SHUTDOWN;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One reading of the counters. */
    public record Snapshot(long decisions, long published, long dropped, long queued, long awaitingAck,
                           Map<DropReason, Long> droppedByReason) {

        public long inFlight() {
            return queued + awaitingAck;
        }

        public boolean balanced() {
            return decisions == published + dropped + inFlight();
        }
    }

    private final LongAdder decisions = new LongAdder();
    private final LongAdder published = new LongAdder();
    private final Map<DropReason, LongAdder> dropped = new EnumMap<>(DropReason.class);
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong awaitingAck = new AtomicLong();

    public PublisherAccounting() {
        for (DropReason reason : DropReason.values()) {
            dropped.put(reason, new LongAdder());
        }
    }

    void decision() {
        decisions.increment();
    }

    /** Takes a queue slot if fewer than {@code capacity} are taken. */
    boolean reserveQueueSlot(int capacity) {
        // increment-then-check keeps the bound without a CAS loop; a failed attempt gives the slot back
        if (queued.incrementAndGet() <= capacity) {
            return true;
        }
        queued.decrementAndGet();
        return false;
    }

    void dequeuedAndSending() {
        awaitingAck.incrementAndGet(); // before leaving the queue: a racing reader over-counts, never loses one
        queued.decrementAndGet();
    }

    void dequeuedAndDropped(DropReason reason) {
        dropped.get(reason).increment();
        queued.decrementAndGet();
    }

    void acknowledged() {
        published.increment();
        awaitingAck.decrementAndGet();
    }

    void sendFailed(DropReason reason) {
        dropped.get(reason).increment();
        awaitingAck.decrementAndGet();
    }

    /** An event that never entered the queue. */
    void dropped(DropReason reason) {
        dropped.get(reason).increment();
    }

    public Snapshot snapshot() {
        Map<DropReason, Long> byReason = new EnumMap<>(DropReason.class);
        long droppedTotal = 0;
        for (DropReason reason : DropReason.values()) {
            long n = dropped.get(reason).sum();
            byReason.put(reason, n);
            droppedTotal += n;
        }
        return new Snapshot(decisions.sum(), published.sum(), droppedTotal, queued.get(), awaitingAck.get(), byReason);
    }

    /**
     * {@code limitguard.events.decisions}, {@code .published}, {@code .dropped{reason}} (counters),
     * {@code limitguard.events.in.flight} and {@code .queued} (gauges).
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("limitguard.events.decisions", decisions, LongAdder::sum)
                .description("Decision events handed to the publisher").register(registry);
        FunctionCounter.builder("limitguard.events.published", published, LongAdder::sum)
                .description("Decision events acknowledged by Kafka").register(registry);
        dropped.forEach((reason, adder) -> FunctionCounter.builder("limitguard.events.dropped", adder, LongAdder::sum)
                .tag("reason", reason.tag())
                .description("Decision events that will never reach Kafka").register(registry));
        Gauge.builder("limitguard.events.in.flight", this, a -> a.queued.get() + a.awaitingAck.get())
                .description("Decision events queued or sent and not yet acknowledged").register(registry);
        Gauge.builder("limitguard.events.queued", queued, AtomicInteger::get)
                .description("Decision events waiting in the in-memory queue").register(registry);
    }
}
