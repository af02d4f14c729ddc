package io.limitguard.dashboard.counts;

import io.limitguard.events.CountsUpdate;

/**
 * One update from {@code limitguard.counts} as this instance delivered it.
 *
 * @param seq    this instance's delivery sequence number (used as the SSE event id)
 * @param update the record as the analytics service published it
 */
public record LiveCounts(long seq, CountsUpdate update) {

    /** True when there is no route filter, or the update is about that route. */
    public boolean matchesRoute(String route) {
        return route == null || route.isEmpty()
                || (update.dimension() == CountsUpdate.Dimension.ROUTE && route.equals(update.id()));
    }
}
