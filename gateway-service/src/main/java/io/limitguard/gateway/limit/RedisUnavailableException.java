package io.limitguard.gateway.limit;

/** Redis could not be asked (no connection yet). Treated like any other Redis failure. */
public class RedisUnavailableException extends RuntimeException {

    public RedisUnavailableException(String message) {
        super(message, null, false, false);
    }
}
