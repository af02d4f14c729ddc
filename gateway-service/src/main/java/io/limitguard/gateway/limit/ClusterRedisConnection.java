package io.limitguard.gateway.limit;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions.RefreshTrigger;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.limitguard.gateway.config.RedisClusterProperties;
import io.limitguard.gateway.config.RedisProperties;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The limiter's connection to a Redis Cluster: Lettuce's {@link RedisClusterClient}, which routes each
 * command by its first key's slot to the master holding it (one connection per node, pipelined),
 * follows MOVED and ASK, and refreshes its view of the topology periodically and whenever a redirect or
 * a node that keeps failing to reconnect suggests it changed (a failover: the promoted replica is
 * found within about {@code adaptive-refresh-interval} after the cluster itself promoted it).
 *
 * <p>Same behaviour as the standalone connection otherwise: connects in the background, rejects
 * commands for a disconnected node at once instead of queueing them, same time-outs and reconnect delays.
 */
public final class ClusterRedisConnection implements RedisConnection {

    private final ClientResources resources;
    private final RedisClusterClient client;
    private final Disposable connecting;
    private volatile StatefulRedisClusterConnection<String, String> connection;

    public ClusterRedisConnection(RedisProperties properties,
            Consumer<? super RedisClusterReactiveCommands<String, String>> onConnect) {
        RedisClusterProperties cluster = properties.cluster();
        List<RedisURI> seeds = cluster.nodes().stream().map(node -> {
            RedisURI uri = RedisURI.create(node);
            uri.setTimeout(properties.commandTimeout());
            return uri;
        }).toList();
        this.resources = BackgroundConnect.resources();
        this.client = RedisClusterClient.create(resources, seeds);
        ClusterClientOptions.Builder options = ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(cluster.refreshPeriod())
                        .enableAdaptiveRefreshTrigger(RefreshTrigger.MOVED_REDIRECT, RefreshTrigger.ASK_REDIRECT,
                                RefreshTrigger.PERSISTENT_RECONNECTS, RefreshTrigger.UNCOVERED_SLOT,
                                RefreshTrigger.UNKNOWN_NODE)
                        .adaptiveRefreshTriggersTimeout(cluster.adaptiveRefreshInterval())
                        .build());
        BackgroundConnect.applyCommonOptions(options, properties);
        this.client.setOptions(options.build());
        this.connecting = BackgroundConnect.connect("Redis Cluster at " + cluster.nodes(),
                // Lettuce connects only once it knows the topology, and its first load of it blocks: off the
                // caller's thread, on a thread made for blocking.
                Mono.fromCallable(client::getPartitions).subscribeOn(Schedulers.boundedElastic())
                        .then(Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8)))), c -> {
                    connection = c;
                    onConnect.accept(c.reactive());
                });
    }

    @Override
    public RedisClusterReactiveCommands<String, String> commandsOrNull() {
        StatefulRedisClusterConnection<String, String> c = connection;
        return c == null ? null : c.reactive();
    }

    @Override
    public boolean isOpen() {
        StatefulRedisClusterConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    @Override
    public boolean splitsSlots() {
        return true;
    }

    @Override
    public void close() {
        connecting.dispose();
        StatefulRedisClusterConnection<String, String> c = connection;
        if (c != null) {
            c.closeAsync();
        }
        client.shutdownAsync(0, 2, TimeUnit.SECONDS).thenRun(() -> resources.shutdown(0, 2, TimeUnit.SECONDS));
    }
}
