package io.limitguard.gateway.limit;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions.RefreshTrigger;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.limitguard.gateway.config.RedisClusterProperties;
import io.limitguard.gateway.config.RedisProperties;
import io.limitguard.gateway.config.RedisUris;
import io.netty.resolver.DefaultAddressResolverGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * "A Redis that runs our script": the one shared Lettuce connection of the limiter (Lettuce pipelines
 * concurrent commands on it; no pool), to one Redis or to a Redis Cluster.
 *
 * <p>With a {@code redis-sentinel://...#master} URI, Lettuce asks the Sentinels (the first that answers) for the
 * master's address on every connect and reconnect, so after a killed master the reconnect reaches the promoted
 * replica. A master that still runs keeps the connection after a failover, though: {@link SentinelWatch} hears the
 * Sentinels switch and the connection is made anew, asking first the Sentinel that announced it. Measured in
 * {@code RedisSentinelGatewayTest}.
 *
 * <p>On a cluster, Lettuce's {@link RedisClusterClient} routes each command by its first key's slot to
 * the master holding it (one connection per node), follows MOVED and ASK, and refreshes its view of the
 * topology periodically and whenever a redirect or a node that keeps failing to reconnect suggests it
 * changed (a failover: the promoted replica is found within about {@code adaptive-refresh-interval}).
 * Both hand out {@link RedisClusterReactiveCommands}, the common supertype of Lettuce's standalone and
 * cluster reactive commands.
 *
 * <p>Connects in the background and keeps trying until Redis answers, so the gateway starts and serves
 * (in its failure modes) while Redis is unreachable. Once connected, Lettuce reconnects on its own;
 * while disconnected, commands are rejected at once instead of queued, so no request waits on a
 * reconnect.
 */
public final class RedisConnection implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnection.class);

    /**
     * How every connection to Redis or a Sentinel is first made (this one, the rule store's, the Sentinel watch's):
     * tried again and again, 100 ms after a failure doubling to every second, until it succeeds. Lettuce's own
     * reconnect takes over once a connection exists.
     */
    public static final RetryBackoffSpec UNTIL_CONNECTED =
            Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(1));

    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final boolean splitsSlots;
    private final Consumer<RedisClusterReactiveCommands<String, String>> onConnect;
    /** The connection attempt under way or last made. */
    private final Disposable.Swap connecting = Disposables.swap();
    /** Only for a {@code redis-sentinel://} URI: moves the connection to a new master as soon as it is named. */
    private volatile SentinelWatch sentinelWatch;
    private boolean closed;
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisClusterReactiveCommands<String, String> commands;

    /** The connection {@code properties} ask for; connects in the background. */
    public static RedisConnection open(RedisProperties properties,
            Consumer<RedisClusterReactiveCommands<String, String>> onConnect) {
        // Reconnect quickly (50 ms doubling to at most 1 s) instead of Lettuce's default of up to 30 s:
        // recovery time after a Redis restart (or a failover) is bounded by this delay.
        ClientResources resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                // The host name is looked up on every (re)connect by the JVM (networkaddress.cache.ttl, 30 s by
                // default) instead of Netty's DNS cache: a Redis restarted with a new address (compose,
                // Kubernetes) was otherwise dialled at its old one for minutes. Lettuce connects off the
                // request path, so the JVM's blocking lookup blocks no request.
                .addressResolverGroup(DefaultAddressResolverGroup.INSTANCE)
                .build();
        return properties.cluster().enabled()
                ? cluster(properties, resources, onConnect)
                : standalone(properties, resources, onConnect);
    }

    private static RedisConnection standalone(RedisProperties properties, ClientResources resources,
            Consumer<RedisClusterReactiveCommands<String, String>> onConnect) {
        RedisURI uri = uri(properties.uri(), properties);
        RedisClient client = RedisClient.create(resources);
        ClientOptions.Builder options = ClientOptions.builder();
        applyCommonOptions(options, properties);
        client.setOptions(options.build());
        String target = "Redis at " + RedisUris.withoutPassword(properties.uri());
        Function<RedisURI, Mono<StatefulRedisConnection<String, String>>> attempt =
                to -> Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8, to)));
        RedisConnection connection = new RedisConnection(resources, client, false, target, attempt.apply(uri),
                c -> c.reactive(), onConnect);
        if (!uri.getSentinels().isEmpty()) {
            connection.sentinelWatch = new SentinelWatch(client, uri);
            connection.sentinelWatch.onSwitch(sentinel -> connection.connect(target,
                    attempt.apply(SentinelWatch.askingFirst(uri, sentinel)), c -> c.reactive()));
        }
        return connection;
    }

    private static RedisConnection cluster(RedisProperties properties, ClientResources resources,
            Consumer<RedisClusterReactiveCommands<String, String>> onConnect) {
        RedisClusterProperties cluster = properties.cluster();
        List<RedisURI> seeds = cluster.nodes().stream().map(node -> uri(node, properties)).toList();
        RedisClusterClient client = RedisClusterClient.create(resources, seeds);
        ClusterClientOptions.Builder options = ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(cluster.refreshPeriod())
                        .enableAdaptiveRefreshTrigger(RefreshTrigger.MOVED_REDIRECT, RefreshTrigger.ASK_REDIRECT,
                                RefreshTrigger.PERSISTENT_RECONNECTS, RefreshTrigger.UNCOVERED_SLOT,
                                RefreshTrigger.UNKNOWN_NODE)
                        .adaptiveRefreshTriggersTimeout(cluster.adaptiveRefreshInterval())
                        .build());
        applyCommonOptions(options, properties);
        client.setOptions(options.build());
        return new RedisConnection(resources, client, true,
                "Redis Cluster at " + cluster.nodes().stream().map(RedisUris::withoutPassword).toList(),
                // Lettuce connects only once it knows the topology, and its first load of it blocks: off the
                // caller's thread, on a thread made for blocking.
                Mono.fromCallable(client::getPartitions).subscribeOn(Schedulers.boundedElastic())
                        .then(Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8)))),
                c -> c.reactive(), onConnect);
    }

    /**
     * Subscribes to {@code attempt} until it succeeds (100 ms doubling to 1 s between attempts), then keeps
     * the connection and hands its commands to {@code onConnect}.
     */
    private <C extends StatefulConnection<String, String>> RedisConnection(ClientResources resources,
            AbstractRedisClient client, boolean splitsSlots, String target, Mono<C> attempt,
            Function<C, ? extends RedisClusterReactiveCommands<String, String>> reactive,
            Consumer<RedisClusterReactiveCommands<String, String>> onConnect) {
        this.resources = resources;
        this.client = client;
        this.splitsSlots = splitsSlots;
        this.onConnect = onConnect;
        connect(target, attempt, reactive);
    }

    /**
     * Subscribes to {@code attempt} until it succeeds, then uses the new connection and closes the one it replaces
     * (requests still waiting on that one get its failure mode). Until then, the current connection stays in use.
     * An attempt still running is given up.
     */
    private <C extends StatefulConnection<String, String>> void connect(String target, Mono<C> attempt,
            Function<C, ? extends RedisClusterReactiveCommands<String, String>> reactive) {
        AtomicInteger failedAttempts = new AtomicInteger();
        connecting.update(attempt
                .doOnError(e -> {
                    if (failedAttempts.getAndIncrement() == 0) {
                        log.warn("{} not reachable yet ({}{}); the limiter uses its failure modes until it is",
                                target, e.toString(), e.getCause() == null ? "" : ", caused by " + e.getCause());
                    }
                })
                .retryWhen(UNTIL_CONNECTED)
                .subscribe(c -> {
                    log.info("Connected to {} after {} failed attempts", target, failedAttempts.get());
                    StatefulConnection<String, String> replaced;
                    synchronized (this) {
                        if (closed) {
                            c.closeAsync();
                            return;
                        }
                        replaced = connection;
                        commands = reactive.apply(c);
                        connection = c;
                    }
                    onConnect.accept(commands);
                    if (replaced != null) {
                        replaced.closeAsync();
                    }
                }));
    }

    private static RedisURI uri(String text, RedisProperties properties) {
        RedisURI uri = RedisURI.create(text);
        uri.setTimeout(properties.commandTimeout());
        return uri;
    }

    /** The options both clients get; {@code builder} is a {@code ClientOptions} or {@code ClusterClientOptions} builder. */
    private static void applyCommonOptions(ClientOptions.Builder builder, RedisProperties properties) {
        builder.autoReconnect(true);
        // Emit replies on Lettuce's computation threads, not its I/O thread: what follows a reply (the rest
        // of the request: headers, events, proxying) must not stall the replies behind it. Handing a reply
        // straight to the request's own event loop instead was tried and dropped: see docs/ARCHITECTURE.md.
        builder.publishOnScheduler(true);
        // No queueing while disconnected: a request fails at once (and its failure mode applies).
        builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
        builder.timeoutOptions(TimeoutOptions.enabled(properties.commandTimeout()));
        builder.socketOptions(SocketOptions.builder().connectTimeout(properties.connectTimeout()).keepAlive(true).build());
    }

    /**
     * Has {@code listener} told, after this connection, of every switch to a new master the Sentinels announce, with
     * the Sentinel that announced it: for another connection to the same master to move as this one does (the admin
     * API's rule store). Never called without a {@code redis-sentinel://} URI.
     */
    public void onMasterSwitch(Consumer<RedisURI> listener) {
        SentinelWatch watch = sentinelWatch;
        if (watch != null) {
            watch.onSwitch(listener);
        }
    }

    /** The reactive commands, or null while the first connection has not been made. */
    public RedisClusterReactiveCommands<String, String> commandsOrNull() {
        return commands;
    }

    public boolean isOpen() {
        StatefulConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    /**
     * True for a Redis Cluster: keys in different hash slots may live on different servers, so one
     * script call may only carry keys of one slot.
     */
    public boolean splitsSlots() {
        return splitsSlots;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        connecting.dispose();
        SentinelWatch watch = sentinelWatch;
        if (watch != null) {
            watch.close();
        }
        StatefulConnection<String, String> c = connection;
        if (c != null) {
            c.closeAsync();
        }
        client.shutdownAsync(0, 2, TimeUnit.SECONDS).thenRun(() -> resources.shutdown(0, 2, TimeUnit.SECONDS));
    }
}
