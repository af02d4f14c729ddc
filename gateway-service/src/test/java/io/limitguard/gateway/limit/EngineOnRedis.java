package io.limitguard.gateway.limit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RedisFixture;

/**
 * A real Redis of its own, one Lettuce connection to it and a {@link LimitEngine} (sending each
 * decision alone) on that connection: the set-up of the tests that drive the script through the
 * engine. Closing it closes all three.
 */
record EngineOnRedis(RedisFixture redis, RedisClient client, StatefulRedisConnection<String, String> connection,
        LimitEngine engine) implements AutoCloseable {

    static EngineOnRedis start(LimitScripts scripts) {
        RedisFixture redis = RedisFixture.start();
        RedisClient client = RedisClient.create(redis.uri());
        StatefulRedisConnection<String, String> connection = client.connect();
        return new EngineOnRedis(redis, client, connection, new LimitEngine(scripts, connection::reactive));
    }

    /** Direct commands on the engine's connection, to look at or tamper with what the script stored. */
    RedisCommands<String, String> sync() {
        return connection.sync();
    }

    @Override
    public void close() {
        Closing.all(connection, client, redis);
    }
}
