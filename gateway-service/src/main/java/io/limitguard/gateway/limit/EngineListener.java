package io.limitguard.gateway.limit;

/**
 * What the engine reports besides its answers (the gateway counts these in Micrometer metrics).
 * Called on whatever thread the reply arrived on: implementations must not block.
 */
public interface EngineListener {

    EngineListener NONE = new EngineListener() {
    };

    /** A server answered {@code NOSCRIPT} (restarted, flushed, or a replica promoted after a failover). */
    default void scriptReloaded() {
    }

    /** One script call went out deciding {@code requests} requests (batching on; 1 when a request went alone). */
    default void batchSent(int requests) {
    }

    /** {@code limits} limits charged in earlier slots were given back because a later slot rejected the request. */
    default void refunded(int limits) {
    }

    /** A refund call failed: those charges stay until the keys refill or expire on their own. */
    default void refundFailed(int limits, Throwable error) {
    }
}
