package io.limitguard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.testsupport.RawHttp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * {@link ConnectionCap} as analytics and the dashboard wire it: the connections above the cap are closed at accept and
 * counted, the ones held go on being answered. A server of its own, so that no other test's connections count. The
 * gateway's ConnectionCapTest checks the same on both of its ports, with the log lines.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConnectionCapTest {

    static final int CAP = 3;

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    @Test
    void connectionsAboveTheCapAreClosedAndCounted() throws IOException {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < CAP; i++) {
                Socket socket = new Socket("127.0.0.1", port);
                held.add(socket);
                assertThat(ask(socket)).as("connection %d", i + 1).startsWith("HTTP/1.1 200");
            }
            try (Socket above = new Socket("127.0.0.1", port)) {
                above.setSoTimeout(10_000);
                assertThat(above.getInputStream().read()).as("closed by the server").isEqualTo(-1);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> refused() == 1.0);
            assertThat(ask(held.get(0))).as("a held connection is still answered").startsWith("HTTP/1.1 200");
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        // a place freed is taken again (the server counts a connection as gone once it has seen it close)
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> RawHttp.get(port, "/hello").status() == 200);
    }

    private double refused() {
        Counter counter = meters.find(ConnectionCap.REFUSED).tag("port", Integer.toString(port)).counter();
        return counter == null ? 0 : counter.count();
    }

    /** One kept-alive request on {@code socket}: the status line of its answer. */
    private static String ask(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return RawHttp.statusLines(socket.getInputStream(), 1).get(0);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        @Bean
        NettyServerCustomizer connectionCap(MeterRegistry meters) {
            return ConnectionCap.customizer("test.max-connections", CAP, meters);
        }

        @Bean
        RouterFunction<ServerResponse> hello() {
            return RouterFunctions.route().GET("/hello", request -> ServerResponse.ok().bodyValue("hello")).build();
        }
    }
}
