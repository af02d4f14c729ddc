package io.limitguard.events;

import java.util.Objects;

/**
 * One rule decision for one request, as published on {@link Topics#DECISIONS}.
 *
 * <p>Schema version {@value #VERSION}. Readers ignore fields they do not know, so fields may be
 * added without a version bump; removing or changing the meaning of a field bumps {@code v}.
 *
 * @param v             schema version
 * @param eventId       unique id of this event (UUID)
 * @param requestId     id of the HTTP request; shared by the events of every rule that governed it
 * @param timestamp     when the decision was made, epoch milliseconds
 * @param instanceId    the gateway instance that decided
 * @param routeId       Spring Cloud Gateway route id
 * @param ruleId        the LimitGuard rule id
 * @param key           the limited key (raw, or a hash when key hashing is configured)
 * @param outcome       what happened
 * @param policy        name of the limit that decided (the violated one when rejected, else the most constraining)
 * @param remaining     quota left in that limit after the decision ({@code -1} when unknown, e.g. failed open)
 * @param limit         that limit's quota ({@code -1} when unknown)
 * @param cost          units this request asked for
 * @param latencyMicros time spent deciding, microseconds
 */
public record DecisionEvent(
        int v,
        String eventId,
        String requestId,
        long timestamp,
        String instanceId,
        String routeId,
        String ruleId,
        String key,
        Outcome outcome,
        String policy,
        long remaining,
        long limit,
        long cost,
        long latencyMicros) {

    public static final int VERSION = 1;

    public DecisionEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(outcome, "outcome");
    }
}
