package io.limitguard.gateway.config;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Answers 404 for a health path below a name the health endpoint does not know ({@code /actuator/health/x/y}),
 * where Spring Boot 4.0.7 fails with a 500 and logs a 100-line ERROR stack trace: its
 * {@code HealthEndpointSupport.getContributor} walks on past the missing {@code x} and trips an assertion
 * ({@code 'contributor' must not be null}). On the gateway's public port any client could fill the logs with
 * it, one GET at a time. {@code /actuator/health/x} alone was and stays a 404 of Spring Boot's own.
 *
 * <p>Only that assertion, from a request whose path has a {@code /health/} segment, is turned into the 404; any
 * other failure stays a 500 and is logged. Other requests pass through untouched (one {@code contains} check).
 */
@Component
class UnknownHealthPathFilter implements WebFilter {

    static final String SPRING_BOOT_MESSAGE = "'contributor' must not be null";

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!exchange.getRequest().getPath().value().contains("/health/")) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange).onErrorMap(UnknownHealthPathFilter::isUnknownHealthPath,
                e -> new ResponseStatusException(HttpStatus.NOT_FOUND));
    }

    private static boolean isUnknownHealthPath(Throwable e) {
        return e instanceof IllegalStateException && SPRING_BOOT_MESSAGE.equals(e.getMessage());
    }
}
