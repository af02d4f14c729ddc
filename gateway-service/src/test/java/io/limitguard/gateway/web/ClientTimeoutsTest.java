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
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The gateway closes client connections that send nothing, stop in the middle of a request or stop reading its answer
 * (docs/OPERATIONS.md, "Client connections"), and only those: here with an idle timeout of {@link #IDLE}
 * ({@code server.netty.idle-timeout}), a read timeout of {@link #READ} ({@code limitguard.server.read-timeout}) and a
 * write timeout of {@link #WRITE} ({@code limitguard.server.write-timeout}), on the HTTP port and on the HTTPS one.
 * Every wait is a socket read with a bound or Awaitility, never a sleep.
 */
class ClientTimeoutsTest {

    static final Duration IDLE = Duration.ofSeconds(5);
    static final Duration READ = Duration.ofSeconds(1);
    static final Duration WRITE = Duration.ofSeconds(1);
    /** An answer larger than what the kernel's socket buffers can take, so that the gateway holds the rest. */
    static final int LARGE = 12 * 1024 * 1024;
    /** An answer a client never reads to its end. */
    static final int ENDLESS = 1024 * 1024 * 1024;
    static final int CHUNK = 16 * 1024;
    /** What a loaded 2-core machine may add to a timer before the close reaches the test's socket. */
    static final Duration SLACK = Duration.ofMillis(2500);

    private static RedisFixture redis;
    private static Upstream upstream;
    private static DisposableServer events;
    private static DisposableServer large;
    /** Answers of {@link #large} still being sent: a cut connection cancels its answer. */
    private static final AtomicInteger largeAnswers = new AtomicInteger();
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
        // answers of /large/<bytes>: that many bytes, in chunks as an upstream sends a file
        byte[] chunk = new byte[CHUNK];
        large = HttpServer.create().host("127.0.0.1").port(0)
                .handle((request, response) -> {
                    int bytes = Integer.parseInt(request.path().substring(request.path().lastIndexOf('/') + 1));
                    largeAnswers.incrementAndGet();
                    return response.header("Content-Length", Integer.toString(bytes))
                            .send(Flux.range(0, bytes / CHUNK).map(i -> Unpooled.wrappedBuffer(chunk))
                                    .doFinally(signal -> largeAnswers.decrementAndGet()));
                })
                .bindNow();
        gateway = GatewayInstance.start(new Rules()
                .route("demo", upstream.uri(), "/demo/**")
                .route("events", "http://127.0.0.1:" + events.port(), "/events/**")
                .route("large", "http://127.0.0.1:" + large.port(), "/large/**")
                .rule("per-client", "demo", "header:X-API-Key", "open", "burst", 1000, 1000)
                .redis(redis.uri())
                .set("server.netty.idle-timeout", IDLE.toMillis() + "ms")
                .set("limitguard.server.read-timeout", READ.toMillis() + "ms")
                .set("limitguard.server.write-timeout", WRITE.toMillis() + "ms")
                // the HTTPS port is a server of its own (tls-bootstrap), which Spring Boot's idle timeout does not reach
                .set("limitguard.tls.https-port", 0)
                .set("limitguard.tls.self-signed.keystore", tls.resolve("self-signed.p12"))
                .properties());
    }

    @AfterAll
    static void stop() {
        upstream.releaseHeld();
        Closing.all(gateway, upstream, events::disposeNow, large::disposeNow, redis);
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

    /**
     * A client that asks for a large answer and stops reading it: once the gateway's pending output has not moved for
     * the write timeout, the connection is closed, and the upstream's connection with it (its answer is cancelled).
     * Without the write timeout both stay open as long as the client keeps its socket (for ever on a route without a
     * response timeout), each holding about 1 MB of the gateway's direct memory.
     */
    @Test
    void aClientThatStopsReadingIsClosedAfterTheWriteTimeoutAndItsUpstreamReleased() throws IOException {
        try (Socket socket = connectWithSmallWindow()) {
            assertAStalledReaderIsClosedAndItsUpstreamReleased(socket);
        }
    }

    private static void assertAStalledReaderIsClosedAndItsUpstreamReleased(Socket socket) throws IOException {
        long start = System.nanoTime();
        send(socket, "GET /large/" + ENDLESS + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> largeAnswers.get() == 1);

        // a stall is seen on the first look at least WRITE after it began, closed on the next
        await().atMost(WRITE.multipliedBy(2).plus(SLACK)).until(() -> largeAnswers.get() == 0);
        assertThat(elapsed(start)).isGreaterThanOrEqualTo(WRITE.minusMillis(100));
        // what had reached the socket can still be read, then the end: far from the whole answer
        assertThat(drain(socket)).isLessThan(ENDLESS / 8);
    }

    /**
     * A client that reads a large answer slowly, in pieces with pauses (half the write timeout each), takes longer
     * than twice the write timeout, with the gateway's output waiting on it all along; its answer is whole.
     */
    @Test
    void aSlowReaderThatKeepsReadingGetsItsWholeAnswer() throws IOException {
        try (Socket socket = connectWithSmallWindow()) {
            long start = System.nanoTime();
            send(socket, "GET /large/" + LARGE + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            int pieceSize = 1024 * 1024;
            long received = 0;
            byte[] piece;
            do {
                // the reader's pause (part of the scenario, not a wait for something): half the timeout
                await().pollDelay(WRITE.dividedBy(2)).atMost(WRITE).until(() -> true);
                piece = in.readNBytes(pieceSize);
                received += piece.length;
            } while (piece.length == pieceSize);

            assertThat(received).as("head and whole body").isGreaterThan(LARGE);
            assertThat(elapsed(start)).isGreaterThan(WRITE.multipliedBy(2));
            assertThat(largeAnswers.get()).isZero();
        }
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

    /** ... and clients that stop reading. */
    @Test
    void theHttpsPortClosesClientsThatStopReadingToo() throws Exception {
        Socket plain = connectWithSmallWindow(gateway.bean(AdditionalHttpsServer.class).getPort());
        try (SSLSocket socket = TlsSockets.over(plain)) {
            socket.startHandshake();
            assertAStalledReaderIsClosedAndItsUpstreamReleased(socket);
        }
    }

    private static Socket connect() throws IOException {
        return new Socket("127.0.0.1", gateway.port());
    }

    private static Socket connectWithSmallWindow() throws IOException {
        return connectWithSmallWindow(gateway.port());
    }

    /** A socket whose receive buffer is small ({@link RawHttp#RECEIVE_BUFFER}): the gateway's output waits on it. */
    private static Socket connectWithSmallWindow(int port) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(RawHttp.RECEIVE_BUFFER); // before connect: it sets the advertised TCP window
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return socket;
    }

    /** Reads up to the end of the stream (or a reset), within 10 s of silence; the number of bytes read. */
    private static long drain(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        try {
            for (int n = socket.getInputStream().read(buffer); n >= 0; n = socket.getInputStream().read(buffer)) {
                total += n;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open after " + total + " bytes", e);
        } catch (IOException reset) {
            // closed by the gateway with bytes unsent (a reset; over TLS, no close_notify): the end as well
        }
        return total;
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
