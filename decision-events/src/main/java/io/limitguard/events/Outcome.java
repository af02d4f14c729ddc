package io.limitguard.events;

/** What the limiter did with one request for one rule. */
public enum Outcome {
    /** Redis evaluated the rule and admitted the request. */
    ALLOWED,
    /** Redis evaluated the rule and rejected the request (429). */
    BLOCKED,
    /** Shadow-mode rule: the request would have been rejected, but was let through and charged nothing. */
    SHADOW_BLOCKED,
    /** Redis unavailable; rule has {@code on-failure: open}: admitted without a limit. */
    FAILED_OPEN,
    /** Redis unavailable; rule has {@code on-failure: closed}: rejected with 503. */
    FAILED_CLOSED,
    /** Redis unavailable; rule has {@code on-failure: local}: admitted by the in-process limiter. */
    LOCAL_ALLOWED,
    /** Redis unavailable; rule has {@code on-failure: local}: rejected by the in-process limiter. */
    LOCAL_BLOCKED;

    /** True when the client was turned away (429 or 503). */
    public boolean rejected() {
        return this == BLOCKED || this == FAILED_CLOSED || this == LOCAL_BLOCKED;
    }
}
