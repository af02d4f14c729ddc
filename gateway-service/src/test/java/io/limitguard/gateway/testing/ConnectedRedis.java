package io.limitguard.gateway.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RedisFixture;

/**
 * A real Redis of its own and one Lettuce connection to it, through which a test looks at (or tampers with)
 * what the gateway or the engine stored. Closing it closes the connection, the client and the server.
 */
public record ConnectedRedis(RedisFixture server, RedisClient client, StatefulRedisConnection<String, String> connection)
        implements AutoCloseable {

    public static ConnectedRedis start() {
        RedisFixture server = RedisFixture.start();
        RedisClient client = RedisClient.create(server.uri());
        return new ConnectedRedis(server, client, client.connect());
    }

    public String uri() {
        return server.uri();
    }

    public RedisCommands<String, String> sync() {
        return connection.sync();
    }

    @Override
    public void close() {
        Closing.all(connection, client, server);
    }
}
