package io.limitguard.analytics.web;

import io.limitguard.analytics.query.StoresUnavailableException;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;

/**
 * Errors as {@code application/problem+json} (RFC 9457): 400 naming the bad parameter, 503 with
 * {@code Retry-After} while the stores are migrating (and, written by {@link QueryConcurrencyLimit},
 * while too many queries are being answered). Framework errors (404, missing peer
 * parameters...) go through {@link ResponseEntityExceptionHandler}, also as problem+json.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler(BadParameterException.class)
    ResponseEntity<ProblemDetail> badParameter(BadParameterException e, ServerWebExchange exchange) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, e.getMessage(), exchange);
        problem.setProperty("parameter", e.parameter());
        return ResponseEntity.badRequest().body(problem);
    }

    @ExceptionHandler(StoresUnavailableException.class)
    ResponseEntity<ProblemDetail> unavailable(StoresUnavailableException e, ServerWebExchange exchange) {
        log.warn("Query not answered: {}", e.getMessage());
        ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage(), exchange);
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "1").body(problem);
    }

    /** The problem body of every error this service writes itself (also {@link QueryConcurrencyLimit}'s 503). */
    static ProblemDetail problem(HttpStatus status, String detail, ServerWebExchange exchange) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("about:blank")); // spelled out, as the API contract shows it
        problem.setInstance(URI.create(exchange.getRequest().getPath().value()));
        return problem;
    }
}
