package io.limitguard.gateway.limit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.limitguard.gateway.config.RedisProperties;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The one shared Lettuce connection (Lettuce pipelines concurrent commands on it; no pool).
 *
 * <p>Connects in the background and keeps trying until Redis answers, so the gateway starts and
 * serves (in its failure modes) while Redis is unreachable. Once connected, Lettuce reconnects on
 * its own; while disconnected, commands are rejected at once instead of queued, so no request
 * waits on a reconnect.
 */
public final class RedisConnection implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnection.class);

    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI uri;
    private final Disposable connecting;
    private final AtomicInteger failedAttempts = new AtomicInteger();
    private volatile StatefulRedisConnection<String, String> connection;

    public RedisConnection(RedisProperties properties, Consumer<RedisReactiveCommands<String, String>> onConnect) {
        this.uri = RedisURI.create(properties.uri());
        this.uri.setTimeout(properties.commandTimeout());
        // Reconnect quickly (50 ms doubling to at most 1 s) instead of Lettuce's default of up to 30 s:
        // recovery time after a Redis restart is bounded by this delay.
        this.resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources);
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Emit replies on Lettuce's computation threads, not its single I/O thread: what follows a
                // reply (the rest of the request: headers, events, proxying) must not stall other replies.
                .publishOnScheduler(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(properties.commandTimeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(properties.connectTimeout()).keepAlive(true).build())
                .build());
        this.connecting = Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8, uri)))
                .doOnError(e -> {
                    if (failedAttempts.getAndIncrement() == 0) {
                        log.warn("Redis at {} not reachable yet ({}); the limiter uses its failure modes until it is",
                                properties.uri(), e.toString());
                    }
                })
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(1)))
                .subscribe(c -> {
                    connection = c;
                    log.info("Connected to Redis at {} after {} failed attempts", properties.uri(), failedAttempts.get());
                    onConnect.accept(c.reactive());
                });
    }

    /** The reactive commands, or empty while the first connection has not been made. */
    public RedisReactiveCommands<String, String> commandsOrNull() {
        StatefulRedisConnection<String, String> c = connection;
        return c == null ? null : c.reactive();
    }

    public boolean isOpen() {
        StatefulRedisConnection<String, String> c = connection;
        return c != null && c.isOpen();
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
