package io.limitguard.analytics.query;

import java.util.List;

/** Answer of {@code GET /api/v1/top-blocked}. */
public record TopBlocked(String from, String to, int limit, List<BlockedKey> keys) {
}
