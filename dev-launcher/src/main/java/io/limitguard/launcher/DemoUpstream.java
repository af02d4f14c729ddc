package io.limitguard.launcher;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The service behind the gateway's {@code demo} route: answers every path with a small JSON body. Runs
 * inside the launcher, and on its own ({@code main}) as the compose stack's demo upstream.
 */
public final class DemoUpstream implements AutoCloseable {

    private final HttpServer server;
    private final AtomicLong served = new AtomicLong();

    private DemoUpstream(HttpServer server) {
        this.server = server;
    }

    static DemoUpstream start(String bindAddress, int port) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(bindAddress, port), 128);
            DemoUpstream upstream = new DemoUpstream(server);
            server.createContext("/", exchange -> {
                long n = upstream.served.incrementAndGet();
                String path = exchange.getRequestURI().getPath().replace("\\", "\\\\").replace("\"", "\\\"");
                byte[] body = ("{\"service\":\"demo-upstream\",\"path\":\"" + path + "\",\"served\":" + n + "}\n")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                boolean head = "HEAD".equals(exchange.getRequestMethod());
                exchange.sendResponseHeaders(200, head ? -1 : body.length); // -1: no body
                try (OutputStream out = exchange.getResponseBody()) {
                    if (!head) {
                        out.write(body);
                    }
                }
            });
            server.setExecutor(Executors.newFixedThreadPool(4));
            server.start();
            return upstream;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot serve the demo upstream on port " + port, e);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    long served() {
        return served.get();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    /** Standalone: {@code DemoUpstream [port]} (default 8090, all interfaces), until killed. */
    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
        DemoUpstream upstream = start("0.0.0.0", port);
        Runtime.getRuntime().addShutdownHook(new Thread(upstream::close, "demo-upstream-stop"));
        System.out.println("demo upstream on port " + upstream.port());
    }
}
