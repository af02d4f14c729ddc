package io.limitguard.gateway.events;

import io.limitguard.events.DecisionEvent;

/**
 * Receives every rule decision the limiter makes, one {@link DecisionEvent} per rule per request.
 *
 * <p>Called on the request path (a Netty event loop): implementations must return at once, never
 * block and never throw. The Kafka publisher is one; {@link #NONE} discards events.
 */
@FunctionalInterface
public interface DecisionSink {

    DecisionSink NONE = event -> { };

    void accept(DecisionEvent event);
}
