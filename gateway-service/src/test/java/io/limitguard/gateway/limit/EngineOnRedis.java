package io.limitguard.gateway.limit;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.limitguard.gateway.testing.ConnectedRedis;

/**
 * A real Redis of its own, one Lettuce connection to it and a {@link LimitEngine} (sending each
 * decision alone) on that connection: the set-up of the tests that drive the script through the
 * engine. Closing it closes all three.
 */
record EngineOnRedis(ConnectedRedis redis, LimitEngine engine) implements AutoCloseable {

    static EngineOnRedis start(LimitScripts scripts) {
        ConnectedRedis redis = ConnectedRedis.start();
        return new EngineOnRedis(redis, new LimitEngine(scripts, redis.connection()::reactive));
    }

    StatefulRedisConnection<String, String> connection() {
        return redis.connection();
    }

    /** Direct commands on the engine's connection, to look at or tamper with what the script stored. */
    RedisCommands<String, String> sync() {
        return redis.sync();
    }

    @Override
    public void close() {
        redis.close();
    }
}
