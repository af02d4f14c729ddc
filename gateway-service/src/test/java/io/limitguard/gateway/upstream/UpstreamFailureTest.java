package io.limitguard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.HttpProbe.Response;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.Upstream;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RedisFixture;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.tcp.TcpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A route whose upstream refuses connections, closes them without answering, or answers too late: the
 * client gets a 502 or 504 problem naming the route (not Spring Boot's bare 500), the request was still
 * decided and charged by the limiter like any other, and its rate-limit headers are on the answer.
 */
class UpstreamFailureTest {

    private static RedisFixture redis;
    private static Upstream slow;
    private static DisposableServer hangUp;
    private static DisposableServer readThenClose;
    private static GatewayInstance gateway;
    private static HttpProbe http;

    @BeforeAll
    static void start() throws IOException {
        redis = RedisFixture.start();
        slow = new Upstream();
        // accepts every connection and drops it at once (the gateway's request then meets a reset)
        hangUp = TcpServer.create().host("127.0.0.1").port(0).doOnConnection(connection -> connection.dispose()).bindNow();
        // reads the request, then closes the connection without a word (a crash mid-request)
        readThenClose = TcpServer.create().host("127.0.0.1").port(0)
                .handle((in, out) -> in.receive().take(1).then()).bindNow();
        gateway = GatewayInstance.start(new Rules()
                .route("refused", "http://127.0.0.1:" + closedPort(), "/refused/**")
                .rule("refused-rule", "refused", "header:X-API-Key", "closed", "burst", 5, 0.001)
                .route("hang-up", "http://127.0.0.1:" + hangUp.port(), "/hang-up/**")
                .route("slow", slow.uri(), "/slow/**")
                .set("spring.cloud.gateway.server.webflux.routes[2].metadata.response-timeout", 300)
                .route("read-then-close", "http://127.0.0.1:" + readThenClose.port(), "/read-then-close/**")
                .set("limitguard.redis.uri", redis.uri())
                // the rule fails closed: a first script call slower than the default 50 ms on a loaded machine
                // would be a 503, and this test is about the upstream, not Redis
                .set("limitguard.redis.timeout", "10s")
                .properties());
        http = new HttpProbe();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @AfterAll
    static void stop() {
        slow.releaseHeld();
        Closing.all(http, gateway, slow, redis);
        hangUp.disposeNow();
        readThenClose.disposeNow();
    }

    @Test
    void aRefusedConnectionIsA502ProblemAfterTheLimiterDecided() {
        for (int remaining = 4; remaining >= 3; remaining--) {
            Response response = http.getNow(gateway.baseUrl() + "/refused/x", Map.of("X-API-Key", "client-1"));
            assertProblem(response, 502, "upstream-unreachable", "refused",
                    "The upstream of route 'refused' could not be reached.");
            assertThat(response.header("RateLimit")).isEqualTo("\"burst\";r=" + remaining + ";t=1000");
        }
        assertThat(HttpProbe.decisions(gateway, "refused-rule", "allowed")).isEqualTo(2);
    }

    @Test
    void aConnectionDroppedOrClosedBeforeAnyAnswerIsA502Problem() {
        for (String route : new String[] {"hang-up", "read-then-close"}) {
            assertProblem(http.getNow(gateway.baseUrl() + "/" + route + "/x", Map.of()), 502, "upstream-unreachable",
                    route, "The upstream of route '" + route + "' could not be reached.");
        }
    }

    @Test
    void noAnswerWithinTheRoutesResponseTimeoutIsA504Problem() {
        slow.hold();
        try {
            assertProblem(http.getNow(gateway.baseUrl() + "/slow/x", Map.of()), 504, "upstream-timeout", "slow",
                    "The upstream of route 'slow' did not answer within its response timeout.");
        } finally {
            slow.releaseHeld();
        }
        // the same route answers again once its upstream does
        assertThat(http.getNow(gateway.baseUrl() + "/slow/x", Map.of()).status()).isEqualTo(200);
    }

    @Test
    void theDefaultsGiveUpOnAnUpstreamWithinSecondsNotNettysHalfMinute() {
        HttpClientProperties properties = gateway.bean(HttpClientProperties.class);
        assertThat(properties.getResponseTimeout()).isEqualTo(Duration.ofSeconds(60));
        // set on the client itself: the property would make the routing filter copy the client per request
        assertThat(properties.getConnectTimeout()).isNull();
        assertThat(gateway.bean(HttpClient.class).configuration().options().get(ChannelOption.CONNECT_TIMEOUT_MILLIS))
                .isEqualTo(5000);
    }

    private static void assertProblem(Response response, int status, String type, String route, String detail) {
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
        JsonNode body = JsonMapper.shared().readTree(response.body());
        assertThat(body.get("type").asString()).isEqualTo("https://limitguard.io/problems/" + type);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("route").asString()).isEqualTo(route);
        assertThat(body.get("detail").asString()).isEqualTo(detail);
        assertThat(body.get("instance").asString()).isEqualTo("/" + route + "/x");
    }
}
