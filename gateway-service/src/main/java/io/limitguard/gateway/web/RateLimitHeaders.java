package io.limitguard.gateway.web;

import io.limitguard.gateway.config.HeaderProperties;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.limit.LimitVerdict;
import org.springframework.http.HttpHeaders;

/**
 * The rate-limit response headers of draft-ietf-httpapi-ratelimit-headers (structured-field lists,
 * policy names as sf-strings) for the most constraining policy:
 * <pre>
 * RateLimit-Policy: "burst";q=20;w=2
 * RateLimit: "burst";r=5;t=1
 * </pre>
 * {@code q} quota, {@code w} window in seconds (not sent for concurrency limits, which have none),
 * {@code qu} the quota unit when not {@code requests} ({@code "concurrent-requests"}), {@code r}
 * remaining, {@code t} seconds until more quota. The partition key {@code pk} is not sent: it would echo client keys. Optionally the legacy
 * {@code X-RateLimit-Limit/Remaining/Reset} too.
 */
public final class RateLimitHeaders {

    public static final String POLICY = "RateLimit-Policy";
    public static final String RATE_LIMIT = "RateLimit";

    private final HeaderProperties properties;

    public RateLimitHeaders(HeaderProperties properties) {
        this.properties = properties;
    }

    public void apply(HttpHeaders headers, RequestDecision decision) {
        RuleDecision rule = decision.mostConstraining();
        if (rule == null) {
            return;
        }
        LimitSpec limit = rule.decisiveLimit();
        LimitVerdict verdict = rule.decisiveVerdict();
        if (properties.enabled()) {
            // Policy names match [A-Za-z0-9._-] (validated), so they need no sf-string escaping.
            headers.set(POLICY, policy(limit));
            headers.set(RATE_LIMIT, "\"" + limit.name() + "\";r=" + verdict.remaining() + ";t=" + verdict.nextSeconds());
        }
        if (properties.legacy()) {
            headers.set("X-RateLimit-Limit", Long.toString(limit.quota()));
            headers.set("X-RateLimit-Remaining", Long.toString(verdict.remaining()));
            headers.set("X-RateLimit-Reset", Long.toString(verdict.nextSeconds()));
        }
    }

    /** {@code "name";q=..;w=..}, {@code w} only for limits with a window, {@code qu} only when not requests. */
    static String policy(LimitSpec limit) {
        StringBuilder policy = new StringBuilder().append('"').append(limit.name()).append("\";q=").append(limit.quota());
        if (limit.windowSeconds() > 0) {
            policy.append(";w=").append(limit.windowSeconds());
        }
        if (!LimitSpec.REQUESTS.equals(limit.quotaUnit())) {
            policy.append(";qu=\"").append(limit.quotaUnit()).append('"');
        }
        return policy.toString();
    }
}
