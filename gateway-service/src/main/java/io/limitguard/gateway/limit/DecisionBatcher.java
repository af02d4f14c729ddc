package io.limitguard.gateway.limit;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.util.concurrent.Queues;

/**
 * Sends the decisions of concurrent requests (of one script) to Redis with one script call in flight at
 * a time: a request that finds no call in flight goes out at once; the requests that arrive while a call
 * is in flight go out together as soon as its answer is back, at most {@code maxRequests} per call
 * (smart batching: under light load no request waits for others, under heavy load a call carries what
 * arrived during the round trip of the one before). Redis and the gateway then pay the per-call costs
 * (reading and writing a command, a wake-up on each side) once per batch instead of once per request,
 * while each request is still decided all-or-nothing on its own, in arrival order
 * ({@code lua/README.md}, "Batch mode").
 *
 * <p>A request cancelled before its batch went out (its time limit ran out while it waited) is left
 * out, so it is not charged. The next batch waits for the call in flight to end, and every call does
 * end: Lettuce times out any command, reactive ones included, after {@code limitguard.redis.command-timeout}
 * ({@code TimeoutOptions}, see {@link RedisConnection}).
 */
final class DecisionBatcher {

    /**
     * The most limits one call evaluates, whatever the number of requests: Redis runs nothing else while a
     * script runs, so a call stays short (a few milliseconds at 256 limits, by the 9 µs per one-limit decision
     * in docs/BENCHMARKS.md) even on routes with many limits.
     * At least {@link io.limitguard.gateway.config.RuleProperties#MAX_LIMITS_PER_ROUTE}, so every request fits.
     */
    static final int MAX_LIMITS_PER_CALL = 256;

    private final Queue<Pending> queue = Queues.<Pending>unboundedMultiproducer().get();
    /** Taken from the queue but over the last call's limits; only the draining thread reads or writes it. */
    private Pending carried;
    /** Serialises {@link #drain()}: whoever raises it from 0 drains, others only ask for another pass. */
    private final AtomicInteger passes = new AtomicInteger();
    /** Written by the draining thread (true) and by the thread that finished the call (false). */
    private volatile boolean inFlight;
    private final int maxRequests;
    private final Function<List<List<LimitCall>>, Mono<List<Mono<Evaluation>>>> send;

    /**
     * @param send one script call deciding the given requests in order: one answer per request (its
     *             evaluation, or the error of its invalid arguments)
     */
    DecisionBatcher(int maxRequests, Function<List<List<LimitCall>>, Mono<List<Mono<Evaluation>>>> send) {
        if (maxRequests < 1) {
            throw new IllegalArgumentException("a batch holds at least one request, not " + maxRequests);
        }
        this.maxRequests = maxRequests;
        this.send = send;
    }

    Mono<Evaluation> submit(List<LimitCall> calls) {
        return Mono.create(sink -> {
            Pending pending = new Pending(calls, sink);
            sink.onCancel(pending::cancel);
            queue.offer(pending);
            drain();
        });
    }

    private void drain() {
        if (passes.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            if (!inFlight) {
                List<Pending> batch = take();
                if (!batch.isEmpty()) {
                    inFlight = true;
                    send(batch);
                }
            }
            missed = passes.addAndGet(-missed);
        } while (missed != 0);
    }

    /**
     * Up to {@code maxRequests} requests still waiting for their answer, oldest first, with at most
     * {@link #MAX_LIMITS_PER_CALL} limits among them (a request alone always goes out).
     */
    private List<Pending> take() {
        List<Pending> batch = new ArrayList<>(Math.min(maxRequests, 16));
        int limits = 0;
        Pending pending;
        while (batch.size() < maxRequests && (pending = next()) != null) {
            if (pending.cancelled) {
                continue;
            }
            if (!batch.isEmpty() && limits + pending.calls.size() > MAX_LIMITS_PER_CALL) {
                carried = pending; // first in the next call
                break;
            }
            batch.add(pending);
            limits += pending.calls.size();
        }
        return batch;
    }

    private Pending next() {
        Pending pending = carried;
        if (pending != null) {
            carried = null;
            return pending;
        }
        return queue.poll();
    }

    private void send(List<Pending> batch) {
        List<List<LimitCall>> requests = new ArrayList<>(batch.size());
        for (Pending pending : batch) {
            requests.add(pending.calls);
        }
        Mono<List<Mono<Evaluation>>> call;
        try {
            call = send.apply(requests);
        } catch (RuntimeException e) {
            call = Mono.error(e);
        }
        call.subscribe(answers -> {
            // The next batch goes out before this one's requests continue on this thread.
            finished();
            for (int i = 0; i < batch.size(); i++) {
                answers.get(i).subscribe(batch.get(i).sink::success, batch.get(i).sink::error);
            }
        }, error -> {
            finished();
            for (Pending pending : batch) {
                pending.sink.error(error);
            }
        });
    }

    private void finished() {
        inFlight = false;
        drain();
    }

    private static final class Pending {
        final List<LimitCall> calls;
        final MonoSink<Evaluation> sink;
        volatile boolean cancelled;

        Pending(List<LimitCall> calls, MonoSink<Evaluation> sink) {
            this.calls = calls;
            this.sink = sink;
        }

        void cancel() {
            cancelled = true;
        }
    }
}
