package io.limitguard.analytics.query;

import io.limitguard.events.OutcomeCounts;

/** A window as stored: what a peer returns for a key it hosts. {@code start} in epoch ms. */
public record StoredWindow(long start, OutcomeCounts counts) {
}
