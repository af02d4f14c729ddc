package io.limitguard.gateway.testing;

import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP upstream on a free port that answers 200 "ok" and counts the requests it got. While
 * {@link #hold()} is in force it keeps every request waiting (to keep requests in flight) until
 * {@link #releaseHeld()}.
 */
public final class Upstream implements AutoCloseable {

    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile Sinks.Empty<Void> gate;
    private final DisposableServer server;

    public Upstream() {
        server = HttpServer.create().host("127.0.0.1").port(0)
                .httpRequestDecoder(spec -> spec.maxHeaderSize(256 * 1024))
                .handle((request, response) -> {
                    requests.incrementAndGet();
                    Sinks.Empty<Void> held = gate;
                    Mono<Void> wait = Mono.empty();
                    if (held != null) {
                        waiting.incrementAndGet();
                        wait = held.asMono().doFinally(signal -> waiting.decrementAndGet());
                    }
                    return wait.then(Mono.defer(() -> Mono.from(
                            response.header("Content-Type", "text/plain").sendString(Mono.just("ok")))));
                })
                .bindNow();
    }

    public String uri() {
        return "http://127.0.0.1:" + server.port();
    }

    public int requests() {
        return requests.get();
    }

    /** From now on requests wait until {@link #releaseHeld()}. */
    public void hold() {
        gate = Sinks.empty();
    }

    /** Lets every waiting request finish and stops holding new ones. */
    public void releaseHeld() {
        Sinks.Empty<Void> held = gate;
        gate = null;
        if (held != null) {
            held.tryEmitEmpty();
        }
    }

    /** Requests waiting right now. */
    public int waiting() {
        return waiting.get();
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
