package io.limitguard.server;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Answers 404 for a health path below a name the health endpoint does not know ({@code /actuator/health/x/y}),
 * where Spring Boot 4.0.7 fails with a 500 and logs a 100-line ERROR stack trace: its
 * {@code HealthEndpointSupport.getContributor} walks on past the missing {@code x} and trips an assertion
 * ({@code 'contributor' must not be null}). On a public port (the gateway's, the dashboard's) any client could fill
 * the logs with it, one GET at a time. {@code /actuator/health/x} alone was and stays a 404 of Spring Boot's own.
 *
 * <p>Only that assertion, from a request whose path has a {@code /health/} segment, is turned into the 404, which
 * Spring Boot's error handler then answers as any other; every other error goes on unchanged and is logged. An
 * exception handler, not a filter: it costs the requests that do not fail nothing.
 */
public final class UnknownHealthPathHandler implements WebExceptionHandler, Ordered {

    /** Spring Boot 4.0.7's assertion message, the one error this handler takes. */
    public static final String SPRING_BOOT_MESSAGE = "'contributor' must not be null";

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        boolean unknownHealthPath = error instanceof IllegalStateException
                && SPRING_BOOT_MESSAGE.equals(error.getMessage())
                && exchange.getRequest().getPath().value().contains("/health/");
        return Mono.error(unknownHealthPath ? new ResponseStatusException(HttpStatus.NOT_FOUND) : error);
    }

    /** Before Spring Boot's error handler (-1), which logs a 500 as an ERROR. */
    @Override
    public int getOrder() {
        return AnsweredByReactorNettyHandler.ORDER;
    }
}
