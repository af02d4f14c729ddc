package io.limitguard.gateway.limit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
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

/** What the standalone and the cluster connection share: resources, client options, connecting in the background. */
final class BackgroundConnect {

    private static final Logger log = LoggerFactory.getLogger(BackgroundConnect.class);

    private BackgroundConnect() {
    }

    /**
     * Reconnect quickly (50 ms doubling to at most 1 s) instead of Lettuce's default of up to 30 s:
     * recovery time after a Redis restart (or a failover) is bounded by this delay.
     */
    static ClientResources resources() {
        return DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
    }

    /** The options both clients get; {@code builder} is a {@code ClientOptions} or {@code ClusterClientOptions} builder. */
    static void applyCommonOptions(ClientOptions.Builder builder, RedisProperties properties) {
        builder.autoReconnect(true);
        // Emit replies on Lettuce's computation threads, not its I/O threads: what follows a reply
        // (the rest of the request: headers, events, proxying) must not stall other replies.
        builder.publishOnScheduler(true);
        // No queueing while disconnected: a request fails at once (and its failure mode applies).
        builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
        builder.timeoutOptions(TimeoutOptions.enabled(properties.commandTimeout()));
        builder.socketOptions(SocketOptions.builder().connectTimeout(properties.connectTimeout()).keepAlive(true).build());
    }

    /**
     * Subscribes to {@code attempt} until it succeeds (100 ms doubling to 1 s between attempts), then hands the
     * connection to {@code onConnected}. The gateway serves in its failure modes meanwhile.
     */
    static <C> Disposable connect(String target, Mono<C> attempt, Consumer<C> onConnected) {
        AtomicInteger failedAttempts = new AtomicInteger();
        return attempt
                .doOnError(e -> {
                    if (failedAttempts.getAndIncrement() == 0) {
                        log.warn("{} not reachable yet ({}{}); the limiter uses its failure modes until it is",
                                target, e.toString(), e.getCause() == null ? "" : ", caused by " + e.getCause());
                    }
                })
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(1)))
                .subscribe(c -> {
                    log.info("Connected to {} after {} failed attempts", target, failedAttempts.get());
                    onConnected.accept(c);
                });
    }
}
