package io.limitguard.analytics.topology;

import io.limitguard.events.DecisionEvent;

/** A decision record after parsing: either the event, or the raw bytes of a poison record. */
record ParsedDecision(DecisionEvent event, byte[] raw) {

    static ParsedDecision ok(DecisionEvent event) {
        return new ParsedDecision(event, null);
    }

    static ParsedDecision poison(byte[] raw) {
        return new ParsedDecision(null, raw);
    }

    boolean isPoison() {
        return event == null;
    }
}
