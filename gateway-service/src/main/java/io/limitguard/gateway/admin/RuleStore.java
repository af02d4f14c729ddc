package io.limitguard.gateway.admin;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.limitguard.gateway.config.RedisProperties;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Where rule changes made through the admin API live, shared by every gateway instance: a Redis hash
 * (field = rule id, value = the rule as JSON, or {@value #DELETED} for a start-up rule deleted at run
 * time) and a pub/sub channel on which every change is announced. Each instance reads the hash when
 * it connects (so changes survive gateway restarts) and again on every announcement and reconnect
 * (so they reach every instance, even one that was disconnected when the change was made). Has its
 * own connections: a subscribed connection cannot send commands, and the limiter's connection stays
 * the limiter's.
 */
final class RuleStore implements AutoCloseable {

    static final String DELETED = "deleted";
    private static final Logger log = LoggerFactory.getLogger(RuleStore.class);

    private final AdminProperties properties;
    private final RedisClient client;
    private final Consumer<Map<String, String>> onChange;
    private final Disposable connecting;
    private volatile StatefulRedisConnection<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> subscription;

    /** @param onChange called with the whole hash once connected, after every announced change and reconnect */
    RuleStore(RedisProperties redis, AdminProperties properties, Consumer<Map<String, String>> onChange) {
        this.properties = properties;
        this.onChange = onChange;
        RedisURI uri = RedisURI.create(redis.uri());
        uri.setTimeout(redis.commandTimeout());
        this.client = RedisClient.create(uri);
        this.client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                reload(); // after a reconnect: changes announced meanwhile were missed
            }
        });
        this.connecting = Mono.defer(() -> Mono.fromCompletionStage(client.connectPubSubAsync(StringCodec.UTF8, uri)))
                .zipWith(Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8, uri))))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(1)))
                .subscribe(connections -> {
                    subscription = connections.getT1();
                    commands = connections.getT2();
                    subscription.reactive().observeChannels().subscribe(message -> reload());
                    // subscribe first, then read: a change between the two is not missed
                    subscription.reactive().subscribe(properties.channel()).then(Mono.fromRunnable(this::reload))
                            .subscribe(null, e -> log.warn("Could not subscribe to {}: {}", properties.channel(),
                                    e.toString()));
                });
    }

    private void reload() {
        StatefulRedisConnection<String, String> c = commands;
        if (c == null) {
            return;
        }
        c.reactive().hgetall(properties.redisKey()).collectMap(kv -> kv.getKey(), kv -> kv.getValue())
                .subscribe(onChange, e -> log.warn("Could not read the rules from {}: {}", properties.redisKey(),
                        e.toString()));
    }

    /** Stores a rule change (JSON, or {@value #DELETED}) and announces it to every instance. */
    Mono<Void> put(String id, String value) {
        StatefulRedisConnection<String, String> c = commands;
        if (c == null) {
            return Mono.error(new IllegalStateException("Redis is not connected yet"));
        }
        return c.reactive().hset(properties.redisKey(), id, value)
                .then(c.reactive().publish(properties.channel(), id)).then();
    }

    @Override
    public void close() {
        connecting.dispose();
        if (subscription != null) {
            subscription.closeAsync();
        }
        if (commands != null) {
            commands.closeAsync();
        }
        client.shutdownAsync(0, 2, TimeUnit.SECONDS);
    }
}
