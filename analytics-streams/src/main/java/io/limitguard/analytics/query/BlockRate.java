package io.limitguard.analytics.query;

import java.util.List;

/** Answer of {@code GET /api/v1/block-rate}: every window whose start is in [from, to), in time order. */
public record BlockRate(String dimension, String id, String step, String from, String to, List<WindowCounts> windows) {
}
