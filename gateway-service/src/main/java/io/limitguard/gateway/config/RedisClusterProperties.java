package io.limitguard.gateway.config;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code limitguard.redis.cluster.*}: a Redis Cluster instead of the one Redis of {@code limitguard.redis.uri}.
 *
 * @param nodes                   seed URIs ({@code redis://host:port} or {@code rediss://}), any nodes of the
 *                                cluster; the rest of the topology is discovered from them. Empty = standalone.
 * @param refreshPeriod           periodic topology refresh (the safety net behind the adaptive refresh)
 * @param adaptiveRefreshInterval at most one event-triggered refresh (MOVED, ASK, persistent reconnects) per
 *                                interval; short, so a promoted replica is found quickly after a failover
 */
public record RedisClusterProperties(
        List<String> nodes,
        @DefaultValue("10s") Duration refreshPeriod,
        @DefaultValue("1s") Duration adaptiveRefreshInterval) {

    public RedisClusterProperties {
        nodes = nodes != null ? List.copyOf(nodes) : List.of();
        for (int i = 0; i < nodes.size(); i++) {
            requireNodeUri("limitguard.redis.cluster.nodes[" + i + "]", nodes.get(i));
        }
        RedisProperties.requirePositive("limitguard.redis.cluster.refresh-period", refreshPeriod);
        RedisProperties.requirePositive("limitguard.redis.cluster.adaptive-refresh-interval", adaptiveRefreshInterval);
    }

    static RedisClusterProperties none() {
        return new RedisClusterProperties(List.of(), Duration.ofSeconds(10), Duration.ofSeconds(1));
    }

    /** True when seed nodes are configured: the gateway then talks to a Redis Cluster. */
    public boolean enabled() {
        return !nodes.isEmpty();
    }

    /** A seed node: one server; a cluster has only database 0, so a URI naming another is a mistake. */
    private static void requireNodeUri(String field, String value) {
        int database = RedisUris.require(field, value, RedisUris.SERVER).getDatabase();
        if (database != 0) {
            throw new IllegalArgumentException(field + ": '" + RedisUris.withoutPassword(value) + "' names database "
                    + database + "; a cluster has only database 0");
        }
    }
}
