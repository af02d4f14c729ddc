package io.limitguard.gateway.config;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The local over-limit cache ({@code limitguard.over-limit-cache}): once Redis has said a key is over
 * a rule's limit until T, further requests of that key and rule are rejected in the gateway until T
 * without asking Redis.
 *
 * @param enabled whether to cache blocks
 * @param maxKeys most (rule, key) pairs held; beyond that the least recently used are dropped (they go
 *                back to Redis, never to "allowed")
 */
public record OverLimitCacheProperties(@DefaultValue("false") boolean enabled, @DefaultValue("100000") long maxKeys) {

    public OverLimitCacheProperties {
        if (maxKeys < 1 || maxKeys > 100_000_000) {
            throw new IllegalArgumentException("limitguard.over-limit-cache.max-keys must be in [1, 100000000], was "
                    + maxKeys);
        }
    }

    static OverLimitCacheProperties defaults() {
        return new OverLimitCacheProperties(false, 100_000);
    }
}
