package io.limitguard.gateway.limit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.limitguard.gateway.config.RedisProperties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * The one shared Lettuce connection to one Redis (Lettuce pipelines concurrent commands on it; no pool).
 *
 * <p>Connects in the background and keeps trying until Redis answers, so the gateway starts and
 * serves (in its failure modes) while Redis is unreachable. Once connected, Lettuce reconnects on
 * its own; while disconnected, commands are rejected at once instead of queued, so no request
 * waits on a reconnect.
 */
public final class StandaloneRedisConnection implements RedisConnection {

    private final ClientResources resources;
    private final RedisClient client;
    private final Disposable connecting;
    private volatile StatefulRedisConnection<String, String> connection;

    public StandaloneRedisConnection(RedisProperties properties,
            Consumer<? super RedisClusterReactiveCommands<String, String>> onConnect) {
        RedisURI uri = RedisURI.create(properties.uri());
        uri.setTimeout(properties.commandTimeout());
        this.resources = BackgroundConnect.resources();
        this.client = RedisClient.create(resources);
        ClientOptions.Builder options = ClientOptions.builder();
        BackgroundConnect.applyCommonOptions(options, properties);
        this.client.setOptions(options.build());
        this.connecting = BackgroundConnect.connect("Redis at " + properties.uri(),
                Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8, uri))), c -> {
                    connection = c;
                    onConnect.accept(c.reactive());
                });
    }

    @Override
    public RedisClusterReactiveCommands<String, String> commandsOrNull() {
        StatefulRedisConnection<String, String> c = connection;
        return c == null ? null : c.reactive();
    }

    @Override
    public boolean isOpen() {
        StatefulRedisConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    @Override
    public boolean splitsSlots() {
        return false;
    }

    @Override
    public void close() {
        connecting.dispose();
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.closeAsync();
        }
        client.shutdownAsync(0, 2, TimeUnit.SECONDS).thenRun(() -> resources.shutdown(0, 2, TimeUnit.SECONDS));
    }
}
