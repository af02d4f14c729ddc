package io.limitguard.gateway.admin;

import io.limitguard.gateway.config.RuleProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The rules admin API under {@value #BASE}: list, get, add ({@code POST}), add or replace
 * ({@code PUT}), delete. Every request needs {@code Authorization: Bearer <limitguard.admin.token>}
 * (401 otherwise). A rule is validated exactly like start-up config; an invalid one is refused with a
 * problem body naming the field and the rules in force stay as they were. Accepted changes are stored
 * in Redis and announced to every instance ({@link RuleStore}).
 */
final class AdminHandler {

    static final String BASE = "/limitguard/admin/rules";
    static final String TYPE_INVALID_RULE = "https://limitguard.io/problems/invalid-rule";

    private static final String BEARER = "Bearer ";

    private final byte[] token;
    private final LiveRules rules;
    private final RuleStore store;

    AdminHandler(String token, LiveRules rules, RuleStore store) {
        if (token == null || token.strip().length() < 16) {
            throw new IllegalArgumentException("limitguard.admin.token must have at least 16 characters");
        }
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.rules = rules;
        this.store = store;
    }

    /** 401 unless the request carries the admin token (compared in constant time). */
    HandlerFilterFunction<ServerResponse, ServerResponse> authenticated() {
        return (request, next) -> {
            String given = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
            // the scheme is case-insensitive (RFC 9110 11.1), the token is compared in constant time
            if (given != null && given.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    && MessageDigest.isEqual(token, given.substring(BEARER.length()).getBytes(StandardCharsets.UTF_8))) {
                return next.handle(request);
            }
            return problem(HttpStatus.UNAUTHORIZED, "https://limitguard.io/problems/unauthorized",
                    "The admin API needs 'Authorization: Bearer <limitguard.admin.token>'.", request);
        };
    }

    Mono<ServerResponse> list(ServerRequest request) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                .bodyValue(rules.all().stream().map(RuleCodec::toMap).toList());
    }

    Mono<ServerResponse> get(ServerRequest request) {
        RuleProperties rule = rules.get(request.pathVariable("id"));
        return rule == null ? notFound(request) : ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                .bodyValue(RuleCodec.toMap(rule));
    }

    Mono<ServerResponse> add(ServerRequest request) {
        return request.bodyToMono(String.class).defaultIfEmpty("").flatMap(body -> {
            RuleProperties rule;
            try {
                rule = RuleCodec.read(body, null);
            } catch (IllegalArgumentException e) {
                return invalid(e.getMessage(), request);
            }
            if (rules.get(rule.id()) != null) {
                return problem(HttpStatus.CONFLICT, "https://limitguard.io/problems/rule-exists",
                        "Rule '" + rule.id() + "' exists; PUT " + BASE + "/" + rule.id() + " replaces it.", request);
            }
            return store(rule, HttpStatus.CREATED, request);
        }).onErrorResume(DataBufferLimitException.class, e -> tooLarge(request));
    }

    Mono<ServerResponse> put(ServerRequest request) {
        String id = request.pathVariable("id");
        return request.bodyToMono(String.class).defaultIfEmpty("").flatMap(body -> {
            RuleProperties rule;
            try {
                rule = RuleCodec.read(body, id);
            } catch (IllegalArgumentException e) {
                return invalid(e.getMessage(), request);
            }
            if (!rule.id().equals(id)) {
                return invalid("rule '" + rule.id() + "': id: does not match the path's '" + id + "'", request);
            }
            return store(rule, HttpStatus.OK, request);
        }).onErrorResume(DataBufferLimitException.class, e -> tooLarge(request));
    }

    Mono<ServerResponse> delete(ServerRequest request) {
        String id = request.pathVariable("id");
        if (rules.get(id) == null) {
            return notFound(request);
        }
        return store.put(id, RuleStore.DELETED).then(ServerResponse.noContent().build())
                .onErrorResume(e -> unavailable(e, request));
    }

    private Mono<ServerResponse> store(RuleProperties rule, HttpStatus status, ServerRequest request) {
        try {
            RuleProperties.checkLimitsPerRoute(rules.with(rule));
        } catch (IllegalArgumentException e) {
            return invalid(e.getMessage(), request);
        }
        return store.put(rule.id(), RuleCodec.write(rule))
                .then(ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(RuleCodec.toMap(rule)))
                .onErrorResume(e -> unavailable(e, request));
    }

    private static Mono<ServerResponse> invalid(String detail, ServerRequest request) {
        return problem(HttpStatus.BAD_REQUEST, TYPE_INVALID_RULE, detail, request);
    }

    /** A body over the codecs' in-memory limit (spring.codec.max-in-memory-size, 256 KB) is no server error. */
    private static Mono<ServerResponse> tooLarge(ServerRequest request) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, TYPE_INVALID_RULE,
                "the body is larger than a rule can be (spring.codec.max-in-memory-size)", request);
    }

    private static Mono<ServerResponse> notFound(ServerRequest request) {
        return problem(HttpStatus.NOT_FOUND, "https://limitguard.io/problems/no-such-rule",
                "No rule '" + request.pathVariable("id") + "'.", request);
    }

    private static Mono<ServerResponse> unavailable(Throwable e, ServerRequest request) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "https://limitguard.io/problems/rule-store-unavailable",
                "The rule store (Redis) cannot take the change now: " + e.getMessage(), request);
    }

    private static Mono<ServerResponse> problem(HttpStatus status, String type, String detail, ServerRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("title", status.getReasonPhrase());
        body.put("status", status.value());
        body.put("detail", detail);
        body.put("instance", request.path());
        ServerResponse.BodyBuilder builder = ServerResponse.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (status == HttpStatus.UNAUTHORIZED) {
            builder.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return builder.bodyValue(body);
    }
}
