package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.OneGateway;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.TlsSockets;
import io.limitguard.testsupport.RawHttp;
import io.limitguard.tls.AdditionalHttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.support.StaticApplicationContext;

/**
 * {@code limitguard.server.shutdown-drain} (docs/OPERATIONS.md, "Rolling restarts"): after SIGTERM (the context
 * closing) the gateway goes on answering and limiting for the drain period, readiness 503 and every response with
 * {@code Connection: close}, on the HTTP and the HTTPS port, proxied or not; kept-alive connections are closed after
 * their next answer, also when its request came in before the drain. With 0 (the default) nothing waits, as before.
 */
class ShutdownDrainTest {

    /** Long enough for every check below on a loaded 2-core machine; the test waits for it once, at the end. */
    static final Duration DRAIN = Duration.ofSeconds(8);

    @TempDir
    Path tls;

    @Test
    void duringTheDrainReadinessIsDownAndEveryAnswerClosesItsConnection() throws Exception {
        try (OneGateway bed = OneGateway.start(upstream -> new Rules()
                .route("demo", upstream.uri(), "/demo/**")
                .rule("per-client", "demo", "header:X-API-Key", "open", "burst", 1, 0.01)
                .set("limitguard.server.shutdown-drain", DRAIN.toMillis() + "ms")
                .set("limitguard.tls.https-port", 0)
                .set("limitguard.tls.self-signed.keystore", tls.resolve("self-signed.p12")))) {
            String base = bed.gateway().baseUrl();
            int httpsPort = bed.gateway().bean(AdditionalHttpsServer.class).getPort();
            try (Socket kept = new Socket("127.0.0.1", bed.gateway().port());
                 Socket keptTls = TlsSockets.connect(httpsPort);
                 Socket slow = new Socket("127.0.0.1", bed.gateway().port())) {
                // kept-alive connections, idle when the shutdown starts: what the audit saw cut
                assertThat(exchange(kept, "/demo/before", "k-before")).doesNotContain("connection: close");
                assertThat(exchange(keptTls, "/demo/before", "k-before-tls")).doesNotContain("connection: close");
                // and one whose request is in flight, its upstream slow
                bed.upstream().hold();
                send(slow, "/demo/slow", "k-slow");
                await().atMost(Duration.ofSeconds(10)).until(() -> bed.upstream().waiting() == 1);

                long sigterm = System.nanoTime();
                CompletableFuture<Void> closing = CompletableFuture.runAsync(bed.gateway()::close);

                await().atMost(DRAIN).untilAsserted(() ->
                        assertThat(bed.http().getNow(base + "/actuator/health/readiness", Map.of()).status()).isEqualTo(503));
                // the drain starts in a later step of the close than readiness: wait for its first Connection: close
                await().atMost(DRAIN).until(() -> bed.http().getNow(base + "/actuator/health/liveness", Map.of())
                        .header("Connection") != null);
                // the answer started before the drain goes out during it: it closes its connection too
                bed.upstream().releaseHeld();
                assertThat(readAnswer(slow)).startsWith("http/1.1 200").contains("connection: close");
                assertThat(slow.getInputStream().read()).as("end of stream after the answer").isEqualTo(-1);

                HttpProbe.Response proxied = bed.http().getNow(base + "/demo/during", Map.of("X-API-Key", "k-during"));
                HttpProbe.Response limited = bed.http().getNow(base + "/demo/during", Map.of("X-API-Key", "k-during"));
                assertThat(List.of(proxied.status(), limited.status())).containsExactly(200, 429);
                assertThat(List.of(proxied.header("Connection"), limited.header("Connection")))
                        .containsExactly("close", "close");
                // the kept-alive connections get their answer, marked, and are closed after it
                assertClosedAfterItsAnswer(kept, "k-kept");
                assertClosedAfterItsAnswer(keptTls, "k-kept-tls");
                assertThat(Duration.ofNanos(System.nanoTime() - sigterm)).as("all of it within the drain").isLessThan(DRAIN);
                assertThat(closing).isNotDone();

                closing.get(DRAIN.toSeconds() + 30, TimeUnit.SECONDS);
                assertThat(Duration.ofNanos(System.nanoTime() - sigterm)).isGreaterThanOrEqualTo(DRAIN);
            }
        }
    }

    @Test
    void withoutADrainStoppingDoesNotWaitAndMarksNothing() {
        assertThat(HttpServerProperties.defaults().shutdownDrain()).isZero();
        try (StaticApplicationContext context = new StaticApplicationContext()) {
            List<Object> events = new ArrayList<>();
            context.addApplicationListener(event -> {
                if (event instanceof AvailabilityChangeEvent<?>) {
                    events.add(event);
                }
            });
            context.refresh();
            ShutdownDrain drain = new ShutdownDrain(context, Duration.ZERO);
            drain.start();
            boolean[] stopped = {false};

            drain.stop(() -> stopped[0] = true);

            assertThat(stopped[0]).as("stopped at once, on the closing thread").isTrue();
            assertThat(drain.draining()).isFalse();
            assertThat(drain.isRunning()).isFalse();
            assertThat(events).isEmpty();
        }
    }

    /** Higher phases stop first: the drain, then the graceful shutdown of both ports together. */
    @Test
    void theDrainStopsBeforeTheGracefulShutdownOfBothPorts() {
        assertThat(ShutdownDrain.PHASE).isGreaterThan(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE);
        assertThat(new AdditionalHttpsServer(null, null, null, List.of()).getPhase())
                .isEqualTo(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE);
    }

    private static void assertClosedAfterItsAnswer(Socket socket, String apiKey) throws IOException {
        String head = exchange(socket, "/demo/kept", apiKey);
        assertThat(head).startsWith("http/1.1 200").contains("connection: close");
        assertThat(socket.getInputStream().read()).as("end of stream after the answer").isEqualTo(-1);
    }

    /** Sends a kept-alive GET and reads its answer; its head in lower case. */
    private static String exchange(Socket socket, String path, String apiKey) throws IOException {
        send(socket, path, apiKey);
        return readAnswer(socket);
    }

    private static void send(Socket socket, String path, String apiKey) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + apiKey
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Reads one answer (Content-Length or chunked); its head in lower case. */
    private static String readAnswer(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        int length = 0;
        boolean chunked = false;
        for (String line = RawHttp.readLine(in); !line.isEmpty(); line = RawHttp.readLine(in)) {
            String lower = line.toLowerCase(Locale.ROOT);
            head.append(lower).append('\n');
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(lower.substring("content-length:".length()).trim());
            }
            chunked |= lower.equals("transfer-encoding: chunked");
        }
        if (!chunked) {
            in.readNBytes(length);
        } else {
            for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
                in.readNBytes(size + 2);
            }
            RawHttp.readLine(in);
        }
        return head.toString();
    }

    private static int chunkSize(InputStream in) throws IOException {
        return Integer.parseInt(RawHttp.readLine(in).trim(), 16);
    }
}
