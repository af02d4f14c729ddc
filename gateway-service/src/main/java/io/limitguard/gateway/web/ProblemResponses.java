package io.limitguard.gateway.web;

import io.limitguard.events.Outcome;
import io.limitguard.gateway.keys.KeyResolver;
import io.limitguard.gateway.limit.LimitVerdict;
import io.limitguard.gateway.rules.RefusedPathException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code application/problem+json} (RFC 9457) answers of the gateway. The limiter's: 429 naming
 * the violated policies, 503 when Redis cannot decide and a rule fails closed, 400 for a missing or
 * repeated key or a bad cost; the upstream is not called for any of them. And the route's: 502 when
 * its upstream cannot be reached, 504 when it does not answer in time ({@link #upstreamFailure}).
 */
public final class ProblemResponses {

    public static final String TYPE_RATE_LIMITED = "https://limitguard.io/problems/rate-limited";
    public static final String TYPE_UNAVAILABLE = "https://limitguard.io/problems/limiter-unavailable";
    public static final String TYPE_MISSING_KEY = "https://limitguard.io/problems/missing-key";
    public static final String TYPE_REPEATED_KEY = "https://limitguard.io/problems/repeated-key";
    public static final String TYPE_INVALID_COST = "https://limitguard.io/problems/invalid-cost";
    public static final String TYPE_REFUSED_PATH = "https://limitguard.io/problems/refused-path";
    public static final String TYPE_UPSTREAM_UNREACHABLE = "https://limitguard.io/problems/upstream-unreachable";
    public static final String TYPE_UPSTREAM_TIMEOUT = "https://limitguard.io/problems/upstream-timeout";

    private final long unavailableRetryAfterSeconds;

    public ProblemResponses(long unavailableRetryAfterSeconds) {
        this.unavailableRetryAfterSeconds = Math.max(1, unavailableRetryAfterSeconds);
    }

    public Mono<Void> tooManyRequests(ServerWebExchange exchange, RequestDecision decision) {
        List<Map<String, Object>> violated = new ArrayList<>();
        long retryAfter = 1;
        String firstRule = null;
        for (RuleDecision rule : decision.rules()) {
            if (rule.rule().shadow()) {
                continue; // a shadow rule never rejects, so it is never the reason
            }
            for (int i = 0; i < rule.verdicts().size(); i++) {
                LimitVerdict verdict = rule.verdicts().get(i);
                if (!verdict.allowed()) {
                    firstRule = firstRule != null ? firstRule : rule.rule().id();
                    retryAfter = Math.max(retryAfter, verdict.retryAfterSeconds());
                    Map<String, Object> policy = new LinkedHashMap<>();
                    policy.put("rule", rule.rule().id());
                    policy.put("policy", rule.rule().limits().get(i).name());
                    policy.put("quota", rule.rule().limits().get(i).quota());
                    policy.put("window", rule.rule().limits().get(i).windowSeconds());
                    policy.put("retryAfter", verdict.retryAfterSeconds());
                    violated.add(policy);
                }
            }
        }
        Map<String, Object> body = problem(TYPE_RATE_LIMITED, "Too Many Requests", HttpStatus.TOO_MANY_REQUESTS,
                "Rate limit exceeded for " + describe(violated) + ".", exchange);
        body.put("rule", firstRule);
        body.put("violatedPolicies", violated);
        body.put("retryAfter", retryAfter);
        return write(exchange, HttpStatus.TOO_MANY_REQUESTS, retryAfter, body);
    }

    public Mono<Void> unavailable(ServerWebExchange exchange, RequestDecision decision) {
        List<String> rules = decision.rules().stream()
                .filter(rule -> rule.outcome() == Outcome.FAILED_CLOSED)
                .map(rule -> rule.rule().id()).toList();
        Map<String, Object> body = problem(TYPE_UNAVAILABLE, "Service Unavailable", HttpStatus.SERVICE_UNAVAILABLE,
                "The rate limiter cannot decide right now and rule '" + (rules.isEmpty() ? "?" : rules.get(0))
                        + "' does not admit requests without it.", exchange);
        body.put("rule", rules.isEmpty() ? null : rules.get(0));
        body.put("rules", rules);
        body.put("retryAfter", unavailableRetryAfterSeconds);
        return write(exchange, HttpStatus.SERVICE_UNAVAILABLE, unavailableRetryAfterSeconds, body);
    }

    public Mono<Void> missingKey(ServerWebExchange exchange, RequestDecision decision) {
        Map<String, Object> body = problem(TYPE_MISSING_KEY, "Bad Request", HttpStatus.BAD_REQUEST,
                "The request has no key for rule '" + decision.refusedBy().id() + "'.", exchange);
        body.put("rule", decision.refusedBy().id());
        return write(exchange, HttpStatus.BAD_REQUEST, 0, body);
    }

    public Mono<Void> repeatedKey(ServerWebExchange exchange, RequestDecision decision) {
        String header = ((KeyResolver.Header) decision.refusedBy().keyResolver()).name();
        Map<String, Object> body = problem(TYPE_REPEATED_KEY, "Bad Request", HttpStatus.BAD_REQUEST,
                "Header " + header + " must appear at most once: it is the key of rule '" + decision.refusedBy().id()
                        + "'.", exchange);
        body.put("rule", decision.refusedBy().id());
        body.put("header", header);
        return write(exchange, HttpStatus.BAD_REQUEST, 0, body);
    }

    public Mono<Void> invalidCost(ServerWebExchange exchange, RequestDecision decision) {
        String ruleId = decision.refusedBy().id();
        Map<String, Object> body = problem(TYPE_INVALID_COST, "Bad Request", HttpStatus.BAD_REQUEST,
                "The request's cost header for rule '" + ruleId + "' is not a whole number within the rule's max-cost.",
                exchange);
        body.put("rule", ruleId);
        return write(exchange, HttpStatus.BAD_REQUEST, 0, body);
    }

    /** 400 for a path the route's path rules cannot be matched against ({@link RefusedPathException}). */
    public static Mono<Void> refusedPath(ServerWebExchange exchange, String routeId, RefusedPathException refusal) {
        Map<String, Object> body = problem(TYPE_REFUSED_PATH, "Bad Request", HttpStatus.BAD_REQUEST,
                refusal.getMessage(), exchange);
        body.put("route", routeId);
        return write(exchange, HttpStatus.BAD_REQUEST, 0, body);
    }

    /**
     * 502 (the route's upstream refused, was not found, or closed the connection before answering) or
     * 504 (no answer within the route's response timeout). Names the route, not the upstream's address.
     */
    public static Mono<Void> upstreamFailure(ServerWebExchange exchange, HttpStatus status, String routeId) {
        boolean timeout = status == HttpStatus.GATEWAY_TIMEOUT;
        Map<String, Object> body = problem(timeout ? TYPE_UPSTREAM_TIMEOUT : TYPE_UPSTREAM_UNREACHABLE,
                status.getReasonPhrase(), status,
                timeout ? "The upstream of route '" + routeId + "' did not answer within its response timeout."
                        : "The upstream of route '" + routeId + "' could not be reached.",
                exchange);
        body.put("route", routeId);
        return write(exchange, status, 0, body);
    }

    private static String describe(List<Map<String, Object>> violated) {
        List<String> names = new ArrayList<>();
        for (Map<String, Object> policy : violated) {
            names.add("rule '" + policy.get("rule") + "' policy '" + policy.get("policy") + "'");
        }
        return String.join(", ", names);
    }

    private static Map<String, Object> problem(String type, String title, HttpStatus status, String detail,
            ServerWebExchange exchange) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("title", title);
        body.put("status", status.value());
        body.put("detail", detail);
        body.put("instance", exchange.getRequest().getPath().value());
        return body;
    }

    private static Mono<Void> write(ServerWebExchange exchange, HttpStatus status, long retryAfterSeconds,
            Map<String, Object> body) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(status);
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (retryAfterSeconds > 0) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        byte[] json = JsonMapper.shared().writeValueAsBytes(body);
        DataBuffer buffer = response.bufferFactory().wrap(json);
        return response.writeWith(Mono.just(buffer));
    }
}
