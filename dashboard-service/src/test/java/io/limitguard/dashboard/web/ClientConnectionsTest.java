package io.limitguard.dashboard.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.dashboard.DashboardIntegrationTest;
import io.limitguard.server.ConnectionCap;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code server.netty.idle-timeout} (75 s in application.yml, 1 s in these tests): a connection that sends no request,
 * or none after its answer, is closed by the dashboard. Without it such connections stayed open for ever, each holding
 * a file descriptor. Streams are not idle: CountsSseStreamTest and CountsRSocketStreamTest outlive the timeout. And
 * {@code limitguard.dashboard.max-connections} is on the port (its behaviour: server-guards' ConnectionCapTest).
 */
class ClientConnectionsTest extends DashboardIntegrationTest {

    @Autowired
    MeterRegistry meters;

    @Test
    void theConnectionCapIsOnThePort() {
        assertThat(meters.find(ConnectionCap.REFUSED).tag("port", Integer.toString(port)).counter())
                .as("refusals counted for port %d", port).isNotNull();
    }

    @Test
    void aConnectionThatSendsNothingIsClosed() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000); // a read that times out fails the test: the server kept it open
            assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
        }
    }

    @Test
    void aConnectionKeptAliveAfterItsAnswerIsClosed() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write("GET /actuator/health/liveness HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            String answer = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
            assertThat(answer).isEqualTo("HTTP/1.1 200");
            // the rest of the answer, then the end of the stream once the idle timeout has passed
            assertThat(in.readAllBytes()).asString(StandardCharsets.ISO_8859_1).contains("\"status\":\"UP\"");
        }
    }
}
