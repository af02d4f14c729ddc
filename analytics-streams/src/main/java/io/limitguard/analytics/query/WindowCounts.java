package io.limitguard.analytics.query;

import io.limitguard.events.OutcomeCounts;
import java.time.Instant;

/** One window of a block-rate answer (HTTP API shape). Instants as ISO-8601 UTC strings. */
public record WindowCounts(String start, String end, long allowed, long blocked, long shadowBlocked,
                           long failedOpen, long failedClosed, long localAllowed, long localBlocked,
                           long total, double blockRate) {

    public static WindowCounts of(long startMs, long endMs, OutcomeCounts c) {
        return new WindowCounts(Instant.ofEpochMilli(startMs).toString(), Instant.ofEpochMilli(endMs).toString(),
                c.allowed(), c.blocked(), c.shadowBlocked(), c.failedOpen(), c.failedClosed(), c.localAllowed(),
                c.localBlocked(), c.total(), c.blockRate());
    }
}
