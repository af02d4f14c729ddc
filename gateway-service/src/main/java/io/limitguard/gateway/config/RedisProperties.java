package io.limitguard.gateway.config;

import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param uri            Redis URI ({@code redis://host:port}, {@code rediss://} for TLS), or the Sentinels that name
 *                       the master ({@code redis-sentinel://host:26379[,host2:26379]#mymaster}, see {@link RedisUris})
 * @param timeout        time limit of one limiter call; slower counts as a failure (issue 3)
 * @param commandTimeout Lettuce's own command timeout, a backstop behind {@code timeout}
 * @param connectTimeout how long one connection attempt may take
 * @param cluster        seed nodes of a Redis Cluster; when set, {@code uri} is not used
 * @param batchSize      the most requests one script call decides: the requests that arrive while a call is
 *                       in flight go out together when it is back, each decided all-or-nothing on its own
 *                       (1: one call per request). One Redis only; on a cluster every request is a call
 */
public record RedisProperties(
        @DefaultValue("redis://127.0.0.1:6379") String uri,
        @DefaultValue("50ms") Duration timeout,
        @DefaultValue("1s") Duration commandTimeout,
        @DefaultValue("1s") Duration connectTimeout,
        RedisClusterProperties cluster,
        @DefaultValue("32") int batchSize) {

    /** A batch is one script run, during which Redis serves nobody else: keep it short. */
    static final int MAX_BATCH_SIZE = 256;

    public RedisProperties {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("limitguard.redis.uri must not be empty");
        }
        RedisUris.require("limitguard.redis.uri", uri, RedisUris.SERVER_OR_SENTINEL);
        requirePositive("limitguard.redis.timeout", timeout);
        requirePositive("limitguard.redis.command-timeout", commandTimeout);
        requirePositive("limitguard.redis.connect-timeout", connectTimeout);
        cluster = cluster != null ? cluster : RedisClusterProperties.none();
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("limitguard.redis.batch-size must be between 1 and " + MAX_BATCH_SIZE
                    + ", was " + batchSize);
        }
    }

    static RedisProperties defaults() {
        return new RedisProperties("redis://127.0.0.1:6379", Duration.ofMillis(50), Duration.ofSeconds(1),
                Duration.ofSeconds(1), RedisClusterProperties.none(), 32);
    }

    static void requirePositive(String field, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be > 0, was " + value);
        }
    }
}
