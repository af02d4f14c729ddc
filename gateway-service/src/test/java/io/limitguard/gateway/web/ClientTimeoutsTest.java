package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.TlsSockets;
import io.limitguard.gateway.testing.Upstream;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RawHttp;
import io.limitguard.testsupport.RedisFixture;
import io.limitguard.tls.AdditionalHttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The gateway closes client connections that send nothing or stop in the middle of a request (docs/OPERATIONS.md,
 * "Client connections"), and only those: here with an idle timeout of {@link #IDLE} ({@code server.netty.idle-timeout})
 * and a read timeout of {@link #READ} ({@code limitguard.server.read-timeout}), far apart so that each close can be
 * told from the other, on the HTTP port and on the HTTPS one. Every wait is a socket read with a bound (or
 * Awaitility), never a sleep.
 */
class ClientTimeoutsTest {

    static final Duration IDLE = Duration.ofSeconds(5);
    static final Duration READ = Duration.ofSeconds(1);
    /** What a loaded 2-core machine may add to a timer before the close reaches the test's socket. */
    static final Duration SLACK = Duration.ofMillis(2500);

    private static RedisFixture redis;
    private static Upstream upstream;
    private static DisposableServer events;
    private static GatewayInstance gateway;
    @TempDir
    static Path tls;

    @BeforeAll
    static void start() {
        redis = RedisFixture.start();
        upstream = new Upstream();
        // three server-sent events 2 s apart: pauses longer than the read timeout, the whole longer than the idle one
        events = HttpServer.create().host("127.0.0.1").port(0)
                .handle((request, response) -> response.sse().sendString(Flux.interval(Duration.ofSeconds(2)).take(3)
                        .map(i -> "data: event-" + i + "\n\n")))
                .bindNow();
        gateway = GatewayInstance.start(new Rules()
                .route("demo", upstream.uri(), "/demo/**")
                .route("events", "http://127.0.0.1:" + events.port(), "/events/**")
                .rule("per-client", "demo", "header:X-API-Key", "open", "burst", 1000, 1000)
                .redis(redis.uri())
                .set("server.netty.idle-timeout", IDLE.toMillis() + "ms")
                .set("limitguard.server.read-timeout", READ.toMillis() + "ms")
                // the HTTPS port is a server of its own (tls-bootstrap), which Spring Boot's idle timeout does not reach
                .set("limitguard.tls.https-port", 0)
                .set("limitguard.tls.self-signed.keystore", tls.resolve("self-signed.p12"))
                .properties());
    }

    @AfterAll
    static void stop() {
        upstream.releaseHeld();
        Closing.all(gateway, upstream, events::disposeNow, redis);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws IOException {
        try (Socket socket = connect()) {
            long start = System.nanoTime();

            assertClosedBetween(socket, start, IDLE, IDLE.plus(SLACK));
        }
    }

    @Test
    void unfinishedHeadersAreClosedAfterTheIdleTimeout() throws IOException {
        try (Socket socket = connect()) {
            long start = System.nanoTime();
            send(socket, "GET /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: partial\r\n"); // no blank line

            assertClosedBetween(socket, start, IDLE, IDLE.plus(SLACK));
        }
    }

    /** A slowloris: headers that keep coming, a line every 250 ms, but never end. Their bytes do not restart the timer. */
    @Test
    void headersDrippedInLineByLineAreClosedAfterTheIdleTimeoutToo() throws IOException {
        try (Socket socket = connect()) {
            long start = System.nanoTime();
            send(socket, "GET /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            socket.setSoTimeout(250); // the pace: one line per read that timed out
            boolean closed = false;
            for (int line = 0; !closed && elapsed(start).compareTo(IDLE.plus(SLACK)) < 0; line++) {
                try {
                    send(socket, "X-Drip-" + line + ": x\r\n");
                    closed = socket.getInputStream().read() == -1;
                } catch (SocketTimeoutException stillOpen) {
                    // nothing came back: go on dripping
                } catch (SocketException reset) {
                    closed = true; // a line sent after the server closed may be answered by a reset
                }
            }

            assertThat(closed).as("closed within %s", IDLE.plus(SLACK)).isTrue();
            assertThat(elapsed(start)).isGreaterThanOrEqualTo(IDLE.minusMillis(100));
        }
    }

    /** The audit's 3 of 100 declared bytes. The upstream holds its answer, so the gateway waits for the rest. */
    @Test
    void aBodyThatStopsComingIsClosedAfterTheReadTimeout() throws IOException {
        try (Socket socket = connect()) {
            assertAStalledBodyIsClosedAfterTheReadTimeout(socket, "stalled");
        }
    }

    /**
     * Sends 3 of 100 declared body bytes while the upstream holds its answer (so the gateway waits for the rest): the
     * read timeout, not the idle one (off while a request is in), closes the connection, well before IDLE.
     */
    private static void assertAStalledBodyIsClosedAfterTheReadTimeout(Socket socket, String key) throws IOException {
        upstream.hold();
        try {
            long start = System.nanoTime();
            send(socket, "POST /demo/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key + "\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc");
            assertClosedBetween(socket, start, READ, READ.plus(SLACK));
        } finally {
            upstream.releaseHeld();
        }
    }

    @Test
    void aKeptAliveConnectionServesItsRequestsThenClosesOnceIdle() throws IOException {
        try (Socket socket = connect()) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            send(socket, get("/demo/first", "kept-alive"));
            assertThat(RawHttp.statusLines(in, 1)).containsExactly("HTTP/1.1 200 OK");
            long idleSince = System.nanoTime();
            // a POST with its whole body on the same connection, answered too
            send(socket, "POST /demo/second HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: kept-alive\r\n"
                    + "Content-Length: 5\r\n\r\nhello");
            assertThat(RawHttp.statusLines(in, 1)).containsExactly("HTTP/1.1 200 OK");
            assertThat(elapsed(idleSince)).isLessThan(IDLE);

            assertClosedBetween(socket, System.nanoTime(), IDLE, IDLE.plus(SLACK));
        }
    }

    /** A slow upstream: no byte for longer than both timeouts, then its answer, which reaches the client. */
    @Test
    void aSlowAnswerIsNotCutByEitherTimeout() throws IOException {
        upstream.hold();
        try (Socket socket = connect()) {
            send(socket, get("/demo/slow", "patient"));
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.waiting() == 1);

            socket.setSoTimeout((int) IDLE.plus(READ).toMillis());
            assertThatThrownBy(() -> socket.getInputStream().read()).as("neither answered nor closed in %s", IDLE.plus(READ))
                    .isInstanceOf(SocketTimeoutException.class);

            upstream.releaseHeld();
            socket.setSoTimeout(10_000);
            assertThat(RawHttp.statusLines(socket.getInputStream(), 1)).containsExactly("HTTP/1.1 200 OK");
        } finally {
            upstream.releaseHeld();
        }
    }

    /** Server-sent events through the gateway, with pauses longer than the read timeout, for longer than the idle one. */
    @Test
    void aStreamOfServerSentEventsRunsToItsEnd() throws IOException {
        long start = System.nanoTime();

        RawHttp.Response response = RawHttp.get(gateway.port(), "/events/stream"); // throws if the stream is cut

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).contains("data: event-0", "data: event-1", "data: event-2");
        assertThat(elapsed(start)).isGreaterThan(IDLE);
    }

    /** The HTTPS port (limitguard.tls.https-port) closes silent connections and stalled bodies as the HTTP port does. */
    @Test
    void theHttpsPortHasTheSameTimeouts() throws Exception {
        try (SSLSocket socket = connectTls()) {
            socket.startHandshake();
            long start = System.nanoTime();

            assertClosedBetween(socket, start, IDLE, IDLE.plus(SLACK));
        }
        try (SSLSocket socket = connectTls()) {
            socket.startHandshake();
            assertAStalledBodyIsClosedAfterTheReadTimeout(socket, "stalled-tls");
        }
    }

    private static Socket connect() throws IOException {
        return new Socket("127.0.0.1", gateway.port());
    }

    private static SSLSocket connectTls() throws Exception {
        return TlsSockets.connect(gateway.bean(AdditionalHttpsServer.class).getPort());
    }

    private static String get(String path, String apiKey) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + apiKey + "\r\n\r\n";
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Blocks until the gateway closes the connection (the read returns -1, no byte before it), within the bounds. */
    private static void assertClosedBetween(Socket socket, long start, Duration atLeast, Duration atMost)
            throws IOException {
        socket.setSoTimeout((int) Math.max(1, atMost.minus(elapsed(start)).toMillis()));
        int read;
        try {
            read = socket.getInputStream().read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open after " + elapsed(start).toMillis() + " ms (bound " + atMost + ")", e);
        }
        assertThat(read).as("end of stream, no answer").isEqualTo(-1);
        // the timers fire after their time, never before; 100 ms for the clocks of test and server
        assertThat(elapsed(start)).isGreaterThanOrEqualTo(atLeast.minusMillis(100));
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
