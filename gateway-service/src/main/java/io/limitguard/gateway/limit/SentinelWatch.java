package io.limitguard.gateway.limit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * Listens to every Sentinel of a {@code redis-sentinel://} URI for {@code +switch-master} of its master and says
 * which Sentinel announced the new master first.
 *
 * <p>Why: Lettuce asks the Sentinels for the master only when it (re)connects. A killed master drops the connection,
 * so that is enough; but after a failover of a master that still runs ({@code SENTINEL FAILOVER}, maintenance, a
 * partition that heals) the connection stays on the old master, which keeps taking writes until a Sentinel turns it
 * into a replica and closes its clients, about 10 s later (its next {@code INFO} of it). Decisions made there are
 * lost when it resyncs from the new master. A client that listens moves within a round trip.
 *
 * <p>One watch per gateway, owned by the limiter's {@link RedisConnection}, with a listener for each connection that
 * must move: the limiter's and the admin API's rule store's. Both hear of a switch in the same callback, so once the
 * limiter has moved, the rule store has at least started to (a rule change waits for its new connections).
 */
public final class SentinelWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SentinelWatch.class);
    private static final String CHANNEL = "+switch-master";

    private final Disposable.Composite connecting = Disposables.composite();
    private final List<StatefulRedisPubSubConnection<String, String>> connections = new CopyOnWriteArrayList<>();
    /** The new master ({@code ip port}) of the last switch acted on: every Sentinel announces the same switch. */
    private final AtomicReference<String> lastSwitch = new AtomicReference<>();
    private final List<Consumer<RedisURI>> listeners = new CopyOnWriteArrayList<>();

    /** Starts listening to every Sentinel of {@code uri} (none for a URI without Sentinels); {@link #onSwitch} says to whom. */
    SentinelWatch(RedisClient client, RedisURI uri) {
        String prefix = uri.getSentinelMasterId() + " ";
        for (RedisURI sentinel : uri.getSentinels()) {
            connecting.add(Mono.defer(() -> Mono.fromCompletionStage(client.connectPubSubAsync(StringCodec.UTF8, sentinel)))
                    // a Sentinel down at start-up is listened to once it answers; Lettuce resubscribes after reconnects
                    .retryWhen(RedisConnection.UNTIL_CONNECTED)
                    .subscribe(connection -> {
                        connections.add(connection);
                        connection.addListener(new RedisPubSubAdapter<>() {
                            @Override
                            public void message(String channel, String message) {
                                // "<master> <old ip> <old port> <new ip> <new port>"
                                if (message.startsWith(prefix)) {
                                    String[] f = message.split(" ");
                                    String next = f[f.length - 2] + " " + f[f.length - 1];
                                    if (!next.equals(lastSwitch.getAndSet(next))) {
                                        log.info("Sentinel {} switched {} to {}", sentinel, uri.getSentinelMasterId(), next);
                                        listeners.forEach(listener -> tell(listener, sentinel, uri));
                                    }
                                }
                            }
                        });
                        connection.async().subscribe(CHANNEL);
                    }));
        }
    }

    /**
     * Calls {@code listener} with the Sentinel that announced a switch to a new master first (it knows the new master;
     * the others may learn of it up to a few seconds later), in the order the listeners were added, on Lettuce's
     * thread: it must not block.
     */
    void onSwitch(Consumer<RedisURI> listener) {
        listeners.add(listener);
    }

    private static void tell(Consumer<RedisURI> listener, RedisURI sentinel, RedisURI uri) {
        try {
            listener.accept(sentinel);
        } catch (RuntimeException e) {
            // Lettuce would swallow it, and the listeners after it would not hear of the switch; this connection then
            // moves only when the Sentinels close the old master's clients
            log.warn("Could not move to the new master of {}: {}", uri.getSentinelMasterId(), e.toString());
        }
    }

    /** {@code uri} with {@code sentinel} asked first: the next connect is sure to learn the new master from it. */
    public static RedisURI askingFirst(RedisURI uri, RedisURI sentinel) {
        // the builder copies all but the Sentinels and the master's name
        RedisURI.Builder copy = RedisURI.builder(uri).withSentinelMasterId(uri.getSentinelMasterId()).withSentinel(sentinel);
        uri.getSentinels().stream().filter(s -> !s.equals(sentinel)).forEach(copy::withSentinel);
        return copy.build();
    }

    @Override
    public void close() {
        connecting.dispose();
        connections.forEach(StatefulRedisPubSubConnection::closeAsync);
    }
}
