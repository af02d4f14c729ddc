package io.limitguard.gateway.events;

import io.limitguard.events.DecisionEvent;
import io.limitguard.events.Topics;
import io.limitguard.gateway.events.PublisherAccounting.DropReason;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every decision to {@link Topics#DECISIONS}, keyed by the limited key, without ever
 * making the request wait.
 *
 * <p>{@link #accept} (on a Netty event loop) only counts the event and offers it to a bounded
 * lock-free queue; when the queue is full the event is dropped and counted. One dedicated thread,
 * the drainer, first makes sure the topics exist and their metadata is known (retrying while Kafka
 * is unreachable), then hashes
 * keys if configured and hands events to the Kafka producer's asynchronous {@code send}; the
 * producer's callback counts each event published or dropped. {@link PublisherAccounting} keeps
 * {@code decisions = published + dropped + in-flight}.
 *
 * <p>{@link #close} flushes what is queued and unacknowledged for at most
 * {@code limitguard.kafka.close-timeout}; the rest is counted dropped ({@code reason=shutdown}).
 */
public final class KafkaDecisionPublisher implements DecisionSink, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaDecisionPublisher.class);
    /** Upper bound of an idle drainer's sleep; accept() wakes it earlier. */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Queue<DecisionEvent> queue = new ConcurrentLinkedQueue<>();
    private final int capacity;
    private final Duration closeTimeout;
    private final Duration topicRetryInterval;
    private final PublisherAccounting accounting = new PublisherAccounting();
    private final boolean hashKeys;
    private final UnaryOperator<String> keys;
    private final Producer<String, DecisionEvent> producer;
    private final TopicCreator topics;
    private final Thread drainer;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicLong nextSendWarning = new AtomicLong(System.nanoTime());
    private volatile boolean closed;
    private volatile boolean drainerIdle;
    private volatile boolean topicsReady;
    private volatile long closeDeadline;
    private KafkaClientMetrics producerMetrics;

    /**
     * Creates the producer (and admin client) from Boot's configuration and starts the drainer.
     * Nothing here connects to Kafka: start-up does not wait when Kafka is down. An invalid
     * producer setting fails here, naming the setting.
     *
     * @param bootProducerConfig Boot's producer configuration ({@code spring.kafka.*})
     * @param adminConfig        Boot's admin configuration, used only to create missing topics
     */
    public static KafkaDecisionPublisher start(KafkaEventsProperties properties, Map<String, Object> bootProducerConfig,
                                               Map<String, Object> adminConfig) {
        KafkaProducer<String, DecisionEvent> producer = new KafkaProducer<>(ProducerSettings.from(bootProducerConfig));
        TopicCreator topics = null;
        try {
            topics = properties.topics().create() ? new TopicCreator(adminConfig, properties.topics()) : null;
            KafkaDecisionPublisher publisher = new KafkaDecisionPublisher(properties, producer, topics);
            publisher.drainer.start();
            return publisher;
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            if (topics != null) {
                topics.close();
            }
            throw e;
        }
    }

    private KafkaDecisionPublisher(KafkaEventsProperties properties, Producer<String, DecisionEvent> producer,
                                   TopicCreator topics) {
        this.capacity = properties.queueCapacity();
        this.closeTimeout = properties.closeTimeout();
        this.topicRetryInterval = properties.topics().retryInterval();
        this.hashKeys = properties.hashKeys();
        this.keys = KeyHasher.of(properties);
        this.producer = producer;
        this.topics = topics;
        this.drainer = new Thread(this::drain, "limitguard-events-drainer");
        this.drainer.setDaemon(true);
    }

    /** Never blocks, never throws. A {@code null} event is ignored. */
    @Override
    public void accept(DecisionEvent event) {
        if (event == null) {
            return;
        }
        accounting.decision();
        if (closed) {
            accounting.dropped(DropReason.SHUTDOWN);
            return;
        }
        if (!accounting.reserveQueueSlot(capacity)) {
            accounting.dropped(DropReason.QUEUE_FULL);
            return;
        }
        queue.offer(event);
        if (closed && queue.remove(event)) {
            // close() may have emptied the queue between our check and the offer: count it here
            accounting.dequeuedAndDropped(DropReason.SHUTDOWN);
            return;
        }
        if (drainerIdle) {
            LockSupport.unpark(drainer);
        }
    }

    public PublisherAccounting.Snapshot accounting() {
        return accounting.snapshot();
    }

    /**
     * Registers the publisher's counters and the producer's own metrics ({@code kafka.producer.*}).
     * Deliberately not a {@code MeterBinder}: Boot would bind the bean a second time.
     */
    public void registerMetrics(MeterRegistry registry) {
        accounting.bindTo(registry);
        producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(registry);
    }

    private void drain() {
        try {
            topicsReady = awaitKafka();
            while (!closed) {
                DecisionEvent event = queue.poll();
                if (event == null) {
                    idle();
                } else {
                    send(event);
                }
            }
            // Closing: hand over what is still queued, while the close deadline allows.
            DecisionEvent event;
            while (topicsReady && System.nanoTime() - closeDeadline < 0 && (event = queue.poll()) != null) {
                send(event);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // close() gave up waiting; it counts what is left
        } catch (RuntimeException | Error e) {
            log.error("Decision event drainer stopped; events are now dropped (reason=queue_full)", e);
        }
    }

    /**
     * Before the first send: the topics exist (sending earlier could let a broker auto-create them
     * with its own defaults) and the producer has their metadata (else the first sends would each
     * wait {@code max.block.ms} for it and fail on a slow start). Retries until both hold or close.
     */
    private boolean awaitKafka() throws InterruptedException {
        boolean topicsChecked = topics == null;
        long waitingSince = System.nanoTime();
        long lastWarning = waitingSince;
        while (!closed) {
            try {
                if (!topicsChecked) {
                    topicsChecked = topics.tryCreate();
                }
                if (topicsChecked) {
                    producer.partitionsFor(Topics.DECISIONS); // waits up to max.block.ms, throws if no metadata
                    return true;
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                // Kafka not up yet, or the topic missing and nobody allowed to create it (topics.create off,
                // no ACL, a broker without auto-create): say so now and then, or the gateway only drops
                // events (queue_full) without a word
                long now = System.nanoTime();
                if (now - lastWarning >= WARN_EVERY_NANOS) {
                    lastWarning = now;
                    log.warn("No metadata for topic {} after {} s ({}); decision events wait in the queue and are "
                            + "dropped (queue_full) once it is full", Topics.DECISIONS,
                            Duration.ofNanos(now - waitingSince).toSeconds(), e.getMessage());
                }
                continue; // ask again at once (that call already waited max.block.ms)
            } catch (RuntimeException e) {
                if (closed) {
                    break;
                }
                log.warn("Checking topics failed, retrying in {}: {}", topicRetryInterval, e.toString());
            }
            long until = System.nanoTime() + topicRetryInterval.toNanos();
            long left;
            while (!closed && (left = until - System.nanoTime()) > 0) {
                LockSupport.parkNanos(this, left); // close() unparks
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }
        return false;
    }

    private void idle() {
        drainerIdle = true;
        // accept() offers before it reads drainerIdle, we write drainerIdle before we look at the
        // queue: one of us sees the other, so no event waits for the full park.
        if (queue.isEmpty() && !closed) {
            LockSupport.parkNanos(this, IDLE_PARK_NANOS);
        }
        drainerIdle = false;
    }

    private void send(DecisionEvent event) {
        accounting.dequeuedAndSending();
        Ack ack = new Ack();
        try {
            DecisionEvent published = hashKeys ? withKey(event, keys.apply(event.key())) : event;
            producer.send(new ProducerRecord<>(Topics.DECISIONS, published.key(), published), ack);
        } catch (RuntimeException e) {
            // errors the producer throws instead of reporting to the callback (e.g. interrupted)
            ack.onCompletion(null, e);
        }
    }

    private static DecisionEvent withKey(DecisionEvent e, String key) {
        return new DecisionEvent(e.v(), e.eventId(), e.requestId(), e.timestamp(), e.instanceId(), e.routeId(),
                e.ruleId(), key, e.outcome(), e.policy(), e.remaining(), e.limit(), e.cost(), e.latencyMicros());
    }

    /** Counts one event exactly once, whether the producer calls back, throws, or both. */
    private final class Ack implements Callback {
        private final AtomicBoolean done = new AtomicBoolean();

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            if (exception == null) {
                accounting.acknowledged();
                return;
            }
            accounting.sendFailed(closed ? DropReason.SHUTDOWN : DropReason.SEND_FAILED);
            long next = nextSendWarning.get();
            if (!closed && System.nanoTime() - next >= 0 && nextSendWarning.compareAndSet(next, System.nanoTime() + WARN_EVERY_NANOS)) {
                log.warn("Decision events are being dropped: Kafka send failed ({}); see limitguard.events.dropped",
                        exception.toString());
            }
        }
    }

    /**
     * Waits for acknowledgements until the deadline, then aborts the rest (their callbacks count
     * them dropped). A broker that accepts connections but never answers can hold the producer's
     * close for {@code request.timeout.ms}; we do not wait for that beyond the deadline: the close
     * finishes on its own thread and the callbacks still count every event.
     */
    private void closeProducer(Duration left) {
        Thread closer = new Thread(() -> producer.close(left), "limitguard-events-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(left.toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            log.warn("Kafka producer still closing after limitguard.kafka.close-timeout (broker not answering);"
                    + " {} unacknowledged events will be counted dropped when it gives up", accounting.snapshot().awaitingAck());
        }
    }

    /**
     * Stops accepting, flushes queued and unacknowledged events for at most the close timeout, and
     * counts whatever is left as dropped. Idempotent.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closeDeadline = System.nanoTime() + closeTimeout.toNanos();
        closed = true;
        LockSupport.unpark(drainer);
        if (!topicsReady) {
            drainer.interrupt(); // Kafka unreachable so far: do not wait out a topic check, nothing was sent
        }
        try {
            drainer.join(Math.max(1, closeTimeout.toMillis()));
            if (drainer.isAlive()) {
                drainer.interrupt(); // stuck in a bounded Kafka call: max.block.ms or a topic check
                drainer.join(TimeUnit.SECONDS.toMillis(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeProducer(Duration.ofNanos(Math.max(0, closeDeadline - System.nanoTime())));
        while (queue.poll() != null) {
            accounting.dequeuedAndDropped(DropReason.SHUTDOWN);
        }
        if (topics != null) {
            topics.close();
        }
        if (producerMetrics != null) {
            producerMetrics.close();
        }
        PublisherAccounting.Snapshot end = accounting.snapshot();
        log.info("Decision publisher closed: {} decisions, {} published, {} dropped {}", end.decisions(),
                end.published(), end.dropped(), end.droppedByReason());
    }
}
