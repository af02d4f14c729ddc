package io.limitguard.analytics.topology;

import io.limitguard.events.Outcome;
import io.limitguard.events.OutcomeCounts;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Binary serdes for the topology's internal topics and stores (repartition records and window
 * aggregates are written and read hundreds of thousands of times a second; JSON would dominate the
 * CPU). What leaves the service ({@code limitguard.counts}, the HTTP API) stays JSON.
 */
public final class CompactSerdes {

    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final int COUNTS_BYTES = 7 * Long.BYTES;

    private CompactSerdes() {
    }

    /** An outcome as one byte: its ordinal. Appending outcomes to the enum keeps old bytes valid. */
    public static Serde<Outcome> outcome() {
        return Serdes.serdeFrom(
                (topic, o) -> o == null ? null : new byte[] {(byte) o.ordinal()},
                (topic, b) -> {
                    if (b == null) {
                        return null;
                    }
                    if (b.length != 1 || b[0] < 0 || b[0] >= OUTCOMES.length) {
                        throw new SerializationException("Not an outcome in " + topic);
                    }
                    return OUTCOMES[b[0]];
                });
    }

    /** Outcome counts as seven big-endian longs, in record component order. */
    public static Serde<OutcomeCounts> outcomeCounts() {
        return Serdes.serdeFrom(
                (topic, c) -> c == null ? null : ByteBuffer.allocate(COUNTS_BYTES)
                        .putLong(c.allowed()).putLong(c.blocked()).putLong(c.shadowBlocked())
                        .putLong(c.failedOpen()).putLong(c.failedClosed()).putLong(c.localAllowed())
                        .putLong(c.localBlocked()).array(),
                (topic, b) -> {
                    if (b == null) {
                        return null;
                    }
                    if (b.length != COUNTS_BYTES) {
                        throw new SerializationException("Not outcome counts in " + topic);
                    }
                    ByteBuffer buf = ByteBuffer.wrap(b);
                    return new OutcomeCounts(buf.getLong(), buf.getLong(), buf.getLong(), buf.getLong(),
                            buf.getLong(), buf.getLong(), buf.getLong());
                });
    }
}
