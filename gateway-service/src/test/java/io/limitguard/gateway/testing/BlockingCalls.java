package io.limitguard.gateway.testing;

import io.limitguard.testsupport.BlockingCallLog;
import java.util.Map;
import reactor.blockhound.BlockHound;
import reactor.core.scheduler.Schedulers;

/**
 * BlockHound for gateway tests: installed once per JVM (BlockHound cannot be installed twice), recording
 * blocking calls on non-blocking threads (Netty event loops, Reactor's parallel threads) instead of
 * throwing, so a test can assert that none happened while its requests ran.
 */
public final class BlockingCalls {

    private static final BlockingCallLog CALLS = new BlockingCallLog(BlockingCalls.class);
    private static boolean installed;

    private BlockingCalls() {
    }

    /** Installs BlockHound if no test class of this JVM did yet, and forgets what earlier classes saw. */
    public static synchronized void watch() {
        if (!installed) {
            // Threads already waiting when BlockHound installs (Reactor's shared parallel workers, started by an
            // earlier test class in this JVM) are misread as blocking: start the shared schedulers afresh.
            Schedulers.shutdownNow();
            // loadIntegrations(): Reactor's and Netty's, which mark their event-loop threads as non-blocking.
            BlockHound.builder()
                    .loadIntegrations()
                    // Lettuce (its write path) and Resilience4j (the breaker's sliding window) guard a few
                    // instructions with a lock, no I/O; concurrent event loops may park on it for nanoseconds.
                    // Everything else counts.
                    .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters")
                    .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "decrementWriters")
                    .allowBlockingCallsInside("io.github.resilience4j.core.metrics.FixedSizeSlidingWindowMetrics", "record")
                    // Resilience4j 2.3 moves an open breaker to half-open under a ReentrantLock (the state swap
                    // and its event to the metrics listeners, no I/O): requests arriving at that moment wait for it.
                    // Seen when the breaker opens and recovers under load (the Redis Cluster failover test).
                    .allowBlockingCallsInside("io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine$OpenState",
                            "toHalfOpenState")
                    // Lettuce's cluster client caches the connection of each slot in an array guarded by a
                    // ReentrantLock: taken for an assignment (first use of a slot) or while a new topology is
                    // swapped in, never around I/O; a request's event loop may wait on it that long.
                    .allowBlockingCallsInside("io.lettuce.core.cluster.PooledClusterConnectionProvider", "getWriteConnection")
                    .allowBlockingCallsInside("io.lettuce.core.cluster.PooledClusterConnectionProvider",
                            "lambda$getWriteConnection$0")
                    // The same cache's lock, taken on a Lettuce I/O thread when a new node connection's
                    // handshake completes (seen once in CI during the failover test).
                    .allowBlockingCallsInside("io.lettuce.core.cluster.PooledClusterConnectionProvider$NodeConnectionPostProcessor",
                            "lambda$apply$4")
                    // Netty's adaptive buffer allocator: a magazine being retired takes its StampedLock for a few
                    // instructions (seen on a Lettuce event loop with the six connections of a Redis Cluster).
                    .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free")
                    // Lettuce caches the method map of its command proxies in a WeakHashMap under a static lock:
                    // taken when a connection's proxy is made (a cluster node connection after a topology
                    // refresh, on a Lettuce event executor), no I/O (seen once in the Redis Cluster test).
                    .allowBlockingCallsInside("io.lettuce.core.internal.AbstractInvocationHandler$MethodTranslator", "of")
                    .blockingMethodCallback(CALLS::record)
                    .install();
            installed = true;
        }
        CALLS.clear();
    }

    /** Call site -> thread and stack of the first blocking call seen there since {@link #watch()}. */
    public static Map<String, String> seen() {
        return CALLS.seen();
    }
}
