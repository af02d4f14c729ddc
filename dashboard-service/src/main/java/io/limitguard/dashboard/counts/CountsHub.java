package io.limitguard.dashboard.counts;

import io.limitguard.dashboard.config.DashboardProperties;
import io.limitguard.events.CountsUpdate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Fans the one Kafka consumer's updates out to every subscriber (SSE browsers, RSocket clients).
 *
 * <p>The sink is {@code directBestEffort}: it hands an update to each subscriber that has demand and
 * skips the others, so no subscriber can hold back the publisher or its neighbours. Every subscriber
 * gets its own bounded buffer that requests without limit and, when its client does not keep up, drops
 * the OLDEST updates (a live chart wants the newest point, not a backlog).
 */
@Component
public class CountsHub implements SmartLifecycle {

    private final Sinks.Many<LiveCounts> sink = Sinks.many().multicast().directBestEffort();
    /** Replaced at each start: a context can be stopped and started again (Spring's test context cache does). */
    private volatile Sinks.One<Boolean> closing = Sinks.one();
    private volatile boolean running;
    private final AtomicLong sequence = new AtomicLong();
    private final int bufferSize;
    private final Counter published;
    private final Counter dropped;

    public CountsHub(DashboardProperties properties, MeterRegistry meters) {
        this.bufferSize = properties.subscriberBuffer();
        this.published = Counter.builder("limitguard.dashboard.updates.published")
                .description("Counts updates received from Kafka and offered to subscribers").register(meters);
        this.dropped = Counter.builder("limitguard.dashboard.updates.dropped")
                .description("Counts updates dropped from the buffers of slow subscribers").register(meters);
        Gauge.builder("limitguard.dashboard.subscribers", sink, Sinks.Many::currentSubscriberCount)
                .description("Open live streams (SSE and RSocket)").register(meters);
    }

    /**
     * Offers one update to every current subscriber. Never blocks. Called from the single Kafka
     * consumer thread only, so emissions are serialized.
     */
    public void publish(CountsUpdate update) {
        published.increment();
        // FAIL_ZERO_SUBSCRIBER just means nobody is watching: a live view has nothing to replay.
        sink.tryEmitNext(new LiveCounts(sequence.incrementAndGet(), update));
    }

    /** Live updates from now on, optionally only for one route, with this subscriber's own bounded buffer. */
    public Flux<LiveCounts> stream(String route) {
        return sink.asFlux()
                .takeUntilOther(closing())
                .filter(counts -> counts.matchesRoute(route))
                .onBackpressureBuffer(bufferSize, lost -> dropped.increment(), BufferOverflowStrategy.DROP_OLDEST);
    }

    /**
     * Emits when the application shuts down (this hub is stopped). Live streams end on it, so the web
     * server's graceful shutdown does not wait its whole timeout (30 s) for browsers that would never
     * hang up.
     */
    public Mono<Boolean> closing() {
        return Mono.defer(() -> closing.asMono());
    }

    @Override
    public synchronized void start() {
        if (!running) {
            closing = Sinks.one();
            running = true;
        }
    }

    /** Ends every live stream; the hub itself stays usable for a later {@link #start}. */
    @Override
    public synchronized void stop() {
        running = false;
        closing.tryEmitValue(Boolean.TRUE);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before the web server's graceful shutdown phase ({@code DEFAULT_PHASE - 1024}). */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }

    public int subscriberCount() {
        return sink.currentSubscriberCount();
    }

    public long publishedCount() {
        return (long) published.count();
    }

    public long droppedCount() {
        return (long) dropped.count();
    }
}
