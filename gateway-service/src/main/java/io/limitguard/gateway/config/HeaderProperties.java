package io.limitguard.gateway.config;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param enabled send {@code RateLimit-Policy} / {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers)
 * @param legacy  also send {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset}
 */
public record HeaderProperties(@DefaultValue("true") boolean enabled, @DefaultValue("false") boolean legacy) {

    static HeaderProperties defaults() {
        return new HeaderProperties(true, false);
    }
}
