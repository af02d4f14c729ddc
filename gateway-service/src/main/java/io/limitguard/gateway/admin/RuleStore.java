package io.limitguard.gateway.admin;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.limitguard.gateway.config.RedisProperties;
import io.limitguard.gateway.limit.RedisConnection;
import io.limitguard.gateway.limit.SentinelWatch;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * Where rule changes made through the admin API live, shared by every gateway instance: a Redis hash
 * (field = rule id, value = the rule as JSON, or {@value #DELETED} for a start-up rule deleted at run
 * time) and a pub/sub channel on which every change is announced. Each instance reads the hash when
 * it connects (so changes survive gateway restarts) and again on every announcement and reconnect
 * (so they reach every instance, even one that was disconnected when the change was made). Has its
 * own connections: a subscribed connection cannot send commands, and the limiter's connection stays
 * the limiter's.
 *
 * <p>With Sentinels, both connections move to a new master as soon as it is announced ({@link #moveTo}, told by the
 * limiter's {@link SentinelWatch}), as the limiter's does: a master that still runs after a planned failover takes
 * writes for about 10 s more, and a change stored there would be lost when it resyncs.
 */
final class RuleStore implements AutoCloseable {

    static final String DELETED = "deleted";
    private static final Logger log = LoggerFactory.getLogger(RuleStore.class);

    private final AdminProperties properties;
    private final RedisURI uri;
    private final Duration connectTimeout;
    private final RedisClient client;
    private final Consumer<Map<String, String>> onChange;
    /** The connection attempt under way or last made. */
    private final Disposable.Swap connecting = Disposables.swap();
    /**
     * The connections to use; not done while they are being made (at start-up, after a switch of master), so that a
     * change waits for them instead of going to the old master.
     */
    private volatile CompletableFuture<Connections> connections = new CompletableFuture<>();
    /** The connections made last, to close when replaced. */
    private Connections inUse;
    private boolean closed;

    /** @param onChange called with the whole hash once connected, after every announced change and reconnect */
    RuleStore(RedisProperties redis, AdminProperties properties, Consumer<Map<String, String>> onChange) {
        this.properties = properties;
        this.onChange = onChange;
        this.uri = RedisURI.create(redis.uri());
        uri.setTimeout(redis.commandTimeout());
        this.connectTimeout = redis.connectTimeout();
        this.client = RedisClient.create(uri);
        this.client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                reload(); // after a reconnect: changes announced meanwhile were missed
            }
        });
        connect(uri, connections);
    }

    /** Makes both connections anew, to the master {@code sentinel} just announced; changes wait for them. */
    void moveTo(RedisURI sentinel) {
        CompletableFuture<Connections> next = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            connections = next;
        }
        connect(SentinelWatch.askingFirst(uri, sentinel), next);
    }

    /** Connects until it succeeds, then uses the new connections, closes those they replace and reads the hash. */
    private void connect(RedisURI to, CompletableFuture<Connections> next) {
        connecting.update(Mono.defer(() -> Mono.fromCompletionStage(client.connectPubSubAsync(StringCodec.UTF8, to)))
                .zipWith(Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8, to))),
                        Connections::new)
                .retryWhen(RedisConnection.UNTIL_CONNECTED)
                .subscribe(made -> {
                    Connections replaced;
                    synchronized (this) {
                        if (closed || connections != next) { // closed, or a newer switch made this master old
                            made.close();
                            return;
                        }
                        replaced = inUse;
                        inUse = made;
                    }
                    if (replaced != null) {
                        log.info("Rule store moved to the new master");
                        replaced.close(); // a change still on its way there fails (503): it may not have been kept
                    }
                    next.complete(made);
                    made.subscription.reactive().observeChannels().subscribe(message -> reload());
                    // subscribe first, then read: a change between the two is not missed
                    made.subscription.reactive().subscribe(properties.channel()).then(Mono.fromRunnable(this::reload))
                            .subscribe(null, e -> log.warn("Could not subscribe to {}: {}", properties.channel(),
                                    e.toString()));
                }));
    }

    private void reload() {
        Connections c = connections.getNow(null);
        if (c == null) {
            return; // being made: read once they are subscribed
        }
        c.commands.reactive().hgetall(properties.redisKey()).collectMap(kv -> kv.getKey(), kv -> kv.getValue())
                .subscribe(onChange, e -> log.warn("Could not read the rules from {}: {}", properties.redisKey(),
                        e.toString()));
    }

    /**
     * Stores a rule change (JSON, or {@value #DELETED}) and announces it to every instance; waits up to
     * {@code limitguard.redis.connect-timeout} for connections being made.
     */
    Mono<Void> put(String id, String value) {
        return Mono.fromFuture(connections, true)
                .timeout(connectTimeout, Mono.error(() -> new IllegalStateException("Redis is not connected yet")))
                .flatMap(c -> c.commands.reactive().hset(properties.redisKey(), id, value)
                        .then(c.commands.reactive().publish(properties.channel(), id)))
                .then();
    }

    @Override
    public void close() {
        Connections c;
        synchronized (this) {
            closed = true;
            c = inUse;
        }
        connecting.dispose();
        if (c != null) {
            c.close();
        }
        client.shutdownAsync(0, 2, TimeUnit.SECONDS);
    }

    /** A subscribed connection takes no other commands: one to listen, one to read and write. */
    private record Connections(StatefulRedisPubSubConnection<String, String> subscription,
            StatefulRedisConnection<String, String> commands) {

        void close() {
            subscription.closeAsync();
            commands.closeAsync();
        }
    }
}
