package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.limitguard.gateway.testing.OneGateway;
import io.limitguard.gateway.testing.RootLog;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RawHttp;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request the gateway cannot decode gets its 4xx and at most one short log line with the reason, never a stack
 * trace or a line per header: each malformed request costs the log a bounded amount, so a client cannot flood it
 * (docs/OPERATIONS.md, "Malformed requests").
 */
class MalformedRequestLogTest {

    /** The longest line a malformed request may log: Reactor Netty's prefix (channel, addresses) and our text. */
    static final int MAX_LINE = 500;

    private static OneGateway bed;
    private static RootLog log;

    @BeforeAll
    static void start() {
        bed = OneGateway.start(upstream -> new Rules().route("demo", upstream.uri(), "/demo/**"));
        log = RootLog.attach();
    }

    @AfterAll
    static void stop() {
        Closing.all(log, bed);
    }

    @BeforeEach
    void clearLog() {
        log.clear();
    }

    /**
     * Reactor Netty answers 400 itself and logs one line, but the route proxies the request on; when the upstream
     * answers, Spring cannot send a status any more and used to log a "500 Server Error" with a 50-line stack trace.
     */
    @Test
    void aChunkedBodyWithABadChunkSizeLogsOneLine() throws IOException {
        long exchanges = exchangesDone();

        int status = RawHttp.status(bed.gateway().port(), "POST /demo/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\n");

        assertThat(status).isEqualTo(400);
        // the exchange ends after its error (if any) is logged
        await().atMost(Duration.ofSeconds(10)).until(() -> exchangesDone() > exchanges);
        assertOneShortLine("Invalid character in chunk size");
    }

    /** 8 KB of header lines and one bad byte: Reactor Netty's format logged a line per header, 1,203 here. */
    @Test
    void manyHeadersAndABadOneLogOneLine() throws IOException {
        StringBuilder request = new StringBuilder("GET /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (int i = 0; i < 1200; i++) {
            request.append('a').append(i).append(":\r\n");
        }
        request.append("X-A\u0001b: v\r\n\r\n");

        assertThat(RawHttp.status(bed.gateway().port(), request.toString())).isEqualTo(400);
        assertOneShortLine("token");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "POST /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
        "POST /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /demo/x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: v\u0000w\r\n\r\n",
        "GET /demo/x\r\n\r\n",
        "G(T /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "GET /demo/x HTTP/1.1\r\nHost: a b:zz\r\n\r\n",
    })
    void otherMalformedRequestsLogOneLineEach(String request) throws IOException {
        assertThat(RawHttp.status(bed.gateway().port(), request)).isEqualTo(400);
        assertOneShortLine("Decoding failed");
    }

    @Test
    void headersTooLargeLogOneLine() throws IOException {
        String request = "GET /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n";

        assertThat(RawHttp.status(bed.gateway().port(), request)).isEqualTo(431);
        assertOneShortLine("larger than");
    }

    /** Refused by Spring's adapter before any handler (it logs at DEBUG before it answers): a 400, nothing logged. */
    @Test
    void aBadPercentEncodingLogsNothing() throws IOException {
        assertThat(RawHttp.status(bed.gateway().port(), "GET /demo/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
                .isEqualTo(400);

        assertThat(warnings()).isEmpty();
    }

    /** One WARN line or less, with the reason, no stack trace, no line break, short. */
    private static void assertOneShortLine(String reason) {
        List<ILoggingEvent> warnings = warnings();
        assertThat(warnings).as("log lines at WARN or above").hasSize(1);
        ILoggingEvent line = warnings.get(0);
        assertThat(line.getThrowableProxy()).as("stack trace").isNull();
        assertThat(line.getFormattedMessage()).doesNotContain("\n", "\r").hasSizeLessThan(MAX_LINE).contains(reason);
    }

    private static List<ILoggingEvent> warnings() {
        return log.atLeast(Level.WARN);
    }

    /** Exchanges Spring has finished ({@code http.server.requests}), logged errors included. */
    private static long exchangesDone() {
        return bed.gateway().bean(MeterRegistry.class).find("http.server.requests").timers().stream()
                .mapToLong(Timer::count).sum();
    }
}
