package io.limitguard.events;

/** Kafka topic names shared by every LimitGuard service. No module spells them twice. */
public final class Topics {

    /** One {@link DecisionEvent} per rule decision, keyed by the limited key. */
    public static final String DECISIONS = "limitguard.decisions";

    /** {@link CountsUpdate} records: windowed counts for the dashboard, keyed by {@link CountsUpdate#topicKey()}. */
    public static final String COUNTS = "limitguard.counts";

    /** Decision records that could not be read, copied byte for byte with the error in headers. */
    public static final String DECISIONS_DLQ = "limitguard.decisions.dlq";

    private Topics() {
    }
}
