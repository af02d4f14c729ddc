package io.limitguard.analytics.topology;

import io.limitguard.events.OutcomeCounts;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Binary serdes for the topology's internal topics and stores (repartition records and window
 * aggregates are written and read at every flush and commit; JSON would cost CPU for nothing). What leaves the service ({@code limitguard.counts}, the HTTP API) stays JSON.
 */
public final class CompactSerdes {

    private static final int COUNTS_BYTES = 7 * Long.BYTES;

    private CompactSerdes() {
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
