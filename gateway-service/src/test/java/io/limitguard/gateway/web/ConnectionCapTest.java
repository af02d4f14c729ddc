package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.limitguard.gateway.testing.OneGateway;
import io.limitguard.gateway.testing.RootLog;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.TlsSockets;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RawHttp;
import io.limitguard.tls.AdditionalHttpsServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code limitguard.server.max-connections} ({@link #CAP} here): on each port, the connections above the cap are closed
 * by the gateway as soon as it accepts them, while those it holds go on being answered; every refusal is counted in
 * {@code limitguard.server.connections.refused{port}}, and the log gets one line when refusals start and one per 10 s
 * while they go on, never a line (or Reactor Netty's stack trace) per refused connection (docs/OPERATIONS.md, "Client
 * connections"). Without the cap the connections above it are simply held, until the idle timeout (75 s).
 */
class ConnectionCapTest {

    static final int CAP = 20;
    static final int ABOVE = 5;
    /** Far below the idle timeout (75 s), which would close a connection the gateway held as well. */
    static final int CLOSED_WITHIN_MILLIS = 10_000;

    private static OneGateway bed;
    private static RootLog log;
    private final List<Socket> sockets = new ArrayList<>();
    @TempDir
    static Path tls;

    @BeforeAll
    static void start() {
        bed = OneGateway.start(upstream -> new Rules().route("demo", upstream.uri(), "/demo/**")
                .set("limitguard.server.max-connections", CAP)
                .set("limitguard.tls.https-port", 0)
                .set("limitguard.tls.self-signed.keystore", tls.resolve("self-signed.p12")));
        log = RootLog.attach();
    }

    @AfterAll
    static void stop() {
        Closing.all(log, bed);
    }

    @AfterEach
    void closeSockets() {
        Closing.all(sockets.toArray(AutoCloseable[]::new));
    }

    @Test
    void theHttpPortClosesTheConnectionsAboveTheCapAndGoesOnAnsweringTheOthers() throws Exception {
        assertTheCap(bed.gateway().port(), false);
    }

    @Test
    void theHttpsPortHasACapOfItsOwn() throws Exception {
        assertTheCap(bed.gateway().bean(AdditionalHttpsServer.class).getPort(), true);
    }

    private void assertTheCap(int port, boolean tls) throws Exception {
        String from = "port " + port + ":";
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < CAP; i++) {
            Socket socket = connect(port, tls);
            assertAnswered(socket, "first-" + i); // accepted, and counted by the gateway
            held.add(socket);
        }

        for (int i = 0; i < ABOVE; i++) {
            assertClosedByTheGateway(connect(port, tls));
        }

        for (int i = 0; i < CAP; i++) {
            assertAnswered(held.get(i), "again-" + i);
        }
        // counted just after the close the client saw
        await().atMost(Duration.ofSeconds(5)).until(() -> refused(port) == ABOVE);
        // the first refusal at once, the others in the next line, 10 s later; nothing from Reactor Netty
        assertThat(lines(from)).containsExactly("Refused 1 client connection(s) on " + from);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(lines(from)).containsExactly(
                "Refused 1 client connection(s) on " + from,
                "Refused " + (ABOVE - 1) + " client connection(s) on " + from));
        assertThat(log.events()).noneMatch(event -> event.getLoggerName().startsWith("reactor.netty"));

        // a place freed is taken again (once the gateway has seen the close)
        held.get(0).close();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .untilAsserted(() -> assertAnswered(connect(port, tls), "later"));
    }

    private Socket connect(int port, boolean tls) throws Exception {
        Socket socket = tls ? TlsSockets.connect(port) : new Socket("127.0.0.1", port);
        sockets.add(socket);
        socket.setSoTimeout(CLOSED_WITHIN_MILLIS);
        return socket;
    }

    /** A request, with a key of its own (application.yml's rule on the demo route allows each key 20), answered 200. */
    private static void assertAnswered(Socket socket, String path) throws IOException {
        socket.getOutputStream().write(("GET /demo/" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + path
                + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        assertThat(RawHttp.statusLines(socket.getInputStream(), 1)).containsExactly("HTTP/1.1 200 OK");
    }

    /** The end of the stream, a reset or (TLS) a handshake cut short, without a byte of an answer; not a timeout. */
    private static void assertClosedByTheGateway(Socket socket) {
        try {
            if (socket instanceof SSLSocket tls) {
                tls.startHandshake();
            }
            assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open after " + CLOSED_WITHIN_MILLIS + " ms", e);
        } catch (IOException closed) {
            // reset, or the TLS handshake ended by the close: closed as well
        }
    }

    private static double refused(int port) {
        Counter counter = bed.gateway().bean(MeterRegistry.class).find("limitguard.server.connections.refused")
                .tag("port", Integer.toString(port)).counter();
        return counter == null ? 0 : counter.count();
    }

    /** The beginnings of the WARN lines about refusals on that port, up to and including its mention. */
    private static List<String> lines(String from) {
        return log.events().stream().filter(event -> event.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).filter(line -> line.contains(from))
                .map(line -> line.substring(0, line.indexOf(from) + from.length())).toList();
    }
}
