package io.limitguard.gateway.testing;

import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** A real HTTP upstream on a free port that answers 200 "ok" and counts the requests it got. */
public final class Upstream implements AutoCloseable {

    private final AtomicInteger requests = new AtomicInteger();
    private final DisposableServer server;

    public Upstream() {
        server = HttpServer.create().host("127.0.0.1").port(0)
                .httpRequestDecoder(spec -> spec.maxHeaderSize(256 * 1024))
                .handle((request, response) -> {
                    requests.incrementAndGet();
                    return response.header("Content-Type", "text/plain").sendString(Mono.just("ok"));
                })
                .bindNow();
    }

    public String uri() {
        return "http://127.0.0.1:" + server.port();
    }

    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
