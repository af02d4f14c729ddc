package io.limitguard.analytics.topology;

import io.limitguard.events.DecisionEvent;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads decision bytes with the contract's serde. Readable events go on stamped with the decision's
 * own timestamp (event time drives the windows, not the producer's clock). Unreadable records go on
 * as poison, byte for byte, with the reason and their origin in headers, and are counted.
 *
 * <p>Why not a {@code DeserializationExceptionHandler}: Kafka Streams 4.1 handlers cannot emit
 * dead-letter records (KIP-1034 arrives in 4.2); parsing here keeps the dead-letter copy inside the
 * same exactly-once transaction as the counts.
 */
final class DecisionParser extends ContextualProcessor<byte[], byte[], byte[], ParsedDecision> {

    static final String HEADER_ERROR = "limitguard.dlq.error";
    static final String HEADER_SOURCE = "limitguard.dlq.source";

    /**
     * A decision is a few hundred bytes; a record larger than this (key, value and headers) is not one. Its
     * dead-letter copy keeps only the first this-many bytes of key and value and none of its headers: a
     * compressing producer can put far more than 1 MB on the topic (the broker limits batches after
     * compression), but Kafka Streams' producer limits a record before compression ({@code max.request.size},
     * 1 MB), and a copy it cannot send would fail the task again on every retry of the record.
     */
    static final int MAX_RECORD_BYTES = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(DecisionParser.class);
    private final JsonSerde<DecisionEvent> serde = new JsonSerde.DecisionEventSerde();
    private final Runnable poisonListener;
    private final long maxAheadMs;

    /**
     * @param maxAheadMs how far a decision's timestamp may be ahead of this instance's clock. Event time
     *                   only moves forward: one decision from the future would advance stream time, close
     *                   every window still open for the other gateways (their decisions are then dropped as
     *                   late) and expire the stored history by retention. Up to the grace, it harms nothing.
     */
    DecisionParser(Runnable poisonListener, long maxAheadMs) {
        this.poisonListener = poisonListener;
        this.maxAheadMs = maxAheadMs;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        long size = sizeOf(record);
        if (size > MAX_RECORD_BYTES) {
            deadLetter(record, "record of " + size + " bytes (key, value and headers) is larger than a decision may be ("
                    + MAX_RECORD_BYTES + "); this copy holds the first " + MAX_RECORD_BYTES
                    + " bytes of key and value, none of its headers", truncated(record.key()), truncated(record.value()),
                    new RecordHeaders());
            return;
        }
        DecisionEvent event = null;
        String error;
        try {
            event = record.value() == null ? null : serde.deserialize(Topics.DECISIONS, record.value());
            error = event == null ? "null value"
                    // A reader of v1 cannot know what another version's fields mean (the contract bumps v
                    // for that); a missing v reads as 0, a missing timestamp as 0 (1970: dropped as late).
                    : event.v() != DecisionEvent.VERSION ? "schema version " + event.v() + " (this reader counts "
                            + DecisionEvent.VERSION + ")"
                    : event.timestamp() == 0 ? "missing timestamp"
                    : event.timestamp() < 0 ? "negative timestamp " + event.timestamp()
                    : event.timestamp() - context().currentSystemTimeMs() > maxAheadMs
                    ? "timestamp " + event.timestamp() + " is more than " + maxAheadMs + " ms ahead of this instance's clock"
                    : null;
        } catch (RuntimeException e) { // SerializationException from the serde, or anything a broken record provokes
            error = e.getClass().getName() + ": " + e.getMessage();
        }
        if (error == null) {
            // Outside the try: failures downstream (e.g. a fenced producer) are not the record's fault and must
            // reach Kafka Streams, never turn a good record into a dead letter.
            context().forward(new Record<>(record.key(), ParsedDecision.ok(event), event.timestamp(), record.headers()));
            return;
        }
        deadLetter(record, error, record.key(), record.value(), new RecordHeaders(record.headers().toArray()));
    }

    private void deadLetter(Record<byte[], byte[]> record, String error, byte[] key, byte[] value, Headers headers) {
        String source = context().recordMetadata()
                .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
                .orElse("unknown");
        log.warn("Poison decision record {} sent to {}: {}", source, Topics.DECISIONS_DLQ, error);
        headers.add(HEADER_ERROR, error.getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_SOURCE, source.getBytes(StandardCharsets.UTF_8));
        poisonListener.run();
        context().forward(new Record<>(key, ParsedDecision.poison(value), record.timestamp(), headers));
    }

    private static long sizeOf(Record<byte[], byte[]> record) {
        long size = (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        for (Header header : record.headers()) {
            size += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        return size;
    }

    private static byte[] truncated(byte[] bytes) {
        return bytes == null || bytes.length <= MAX_RECORD_BYTES ? bytes : Arrays.copyOf(bytes, MAX_RECORD_BYTES);
    }
}
