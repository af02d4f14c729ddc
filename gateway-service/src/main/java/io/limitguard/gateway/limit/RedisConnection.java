package io.limitguard.gateway.limit;

import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.limitguard.gateway.config.RedisProperties;
import java.util.function.Consumer;

/**
 * "A Redis that runs our script": the one shared Lettuce connection of the limiter, to one Redis
 * ({@link StandaloneRedisConnection}) or to a Redis Cluster ({@link ClusterRedisConnection}).
 *
 * <p>Both hand out {@link RedisClusterReactiveCommands}, the common supertype of Lettuce's standalone
 * and cluster reactive commands: {@code EVALSHA}/{@code EVAL} and {@code ZREM} route by key on a
 * cluster (following MOVED and ASK) and go to the one server otherwise.
 */
public interface RedisConnection extends AutoCloseable {

    /** The connection {@code properties} ask for; connects in the background. */
    static RedisConnection open(RedisProperties properties,
            Consumer<RedisClusterReactiveCommands<String, String>> onConnect) {
        return properties.cluster().enabled()
                ? new ClusterRedisConnection(properties, onConnect)
                : new StandaloneRedisConnection(properties, onConnect);
    }

    /** The reactive commands, or null while the first connection has not been made. */
    RedisClusterReactiveCommands<String, String> commandsOrNull();

    boolean isOpen();

    /**
     * True for a Redis Cluster: keys in different hash slots may live on different servers, so one
     * script call may only carry keys of one slot.
     */
    boolean splitsSlots();

    @Override
    void close();
}
