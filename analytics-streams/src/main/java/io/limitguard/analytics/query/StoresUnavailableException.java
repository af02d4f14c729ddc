package io.limitguard.analytics.query;

/** The stores that answer a query are not queryable right now (start-up, rebalance, migration). */
public class StoresUnavailableException extends RuntimeException {

    public StoresUnavailableException(String message) {
        super(message);
    }

    public StoresUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
