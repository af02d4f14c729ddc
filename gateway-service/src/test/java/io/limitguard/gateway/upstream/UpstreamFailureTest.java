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
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;
import reactor.netty.DisposableServer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientConfig;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.http.server.HttpServer;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A route whose upstream refuses connections, closes them without answering, or answers too late: the
 * client gets a 502 or 504 problem naming the route (not Spring Boot's bare 500), the request was still
 * decided and charged by the limiter like any other, and its rate-limit headers are on the answer.
 */
@ExtendWith(OutputCaptureExtension.class)
class UpstreamFailureTest {

    private static RedisFixture redis;
    private static Upstream slow;
    private static Upstream silent;
    private static DisposableServer hangUp;
    private static DisposableServer readThenClose;
    private static DisposableServer streaming;
    private static GatewayInstance gateway;
    private static HttpProbe http;

    @BeforeAll
    static void start() throws IOException {
        redis = RedisFixture.start();
        slow = new Upstream();
        silent = new Upstream();
        // accepts every connection and drops it at once (the gateway's request then meets a reset)
        hangUp = TcpServer.create().host("127.0.0.1").port(0).doOnConnection(connection -> connection.dispose()).bindNow();
        // reads the request, then closes the connection without a word (a crash mid-request)
        readThenClose = TcpServer.create().host("127.0.0.1").port(0)
                .handle((in, out) -> in.receive().take(1).then()).bindNow();
        // answers at once, then sends its body in pieces: /stall/** stops after the first, /pauses/** pauses
        // 2.4 s before each of the next two
        streaming = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> response
                .sendString(request.uri().startsWith("/stall") ? Flux.concat(Mono.just("first"), Mono.never())
                        : Flux.just("a", "b", "c").delayUntil(piece -> piece.equals("a") ? Mono.empty()
                                : Mono.delay(Duration.ofMillis(2400))))
                .then()).bindNow();
        gateway = GatewayInstance.start(new Rules()
                .route("refused", "http://127.0.0.1:" + closedPort(), "/refused/**")
                .rule("refused-rule", "refused", "header:X-API-Key", "closed", "burst", 5, 0.001)
                .route("hang-up", "http://127.0.0.1:" + hangUp.port(), "/hang-up/**")
                .route("slow", slow.uri(), "/slow/**")
                .set("spring.cloud.gateway.server.webflux.routes[2].metadata.response-timeout", 300)
                .route("read-then-close", "http://127.0.0.1:" + readThenClose.port(), "/read-then-close/**")
                .route("silent", silent.uri(), "/silent/**")
                .route("stall", "http://127.0.0.1:" + streaming.port(), "/stall/**")
                .set("spring.cloud.gateway.server.webflux.routes[5].metadata.response-timeout", 300)
                .route("pauses", "http://127.0.0.1:" + streaming.port(), "/pauses/**")
                .set("spring.cloud.gateway.server.webflux.routes[6].metadata.response-timeout", "3000")
                // every other route: 2 s instead of the default 60 s
                .set("spring.cloud.gateway.server.webflux.httpclient.response-timeout", "2s")
                .redis(redis.uri())
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
        silent.releaseHeld();
        Closing.all(http, gateway, slow, silent, redis);
        hangUp.disposeNow();
        readThenClose.disposeNow();
        streaming.disposeNow();
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
    void noAnswerWithinTheGlobalResponseTimeoutIsA504Problem() {
        silent.hold();
        try {
            assertProblem(http.getNow(gateway.baseUrl() + "/silent/x", Map.of()), 504, "upstream-timeout", "silent",
                    "The upstream of route 'silent' did not answer within its response timeout.");
        } finally {
            silent.releaseHeld();
        }
    }

    @Test
    void theResponseTimeoutCountsFromTheRequestNotFromTheConnectionsLastUse() throws InterruptedException {
        assertThat(http.getNow(gateway.baseUrl() + "/silent/x", Map.of()).status()).isEqualTo(200);
        silent.hold();
        try {
            // the next request goes out on the same pooled connection, idle for 1.5 s of its 2 s by then (the
            // idling is the scenario: nothing to await)
            Thread.sleep(1500);
            long started = System.nanoTime();
            assertThat(http.getNow(gateway.baseUrl() + "/silent/x", Map.of()).status()).isEqualTo(504);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        } finally {
            silent.releaseHeld();
        }
    }

    @Test
    void anUpstreamSilentInTheMiddleOfItsAnswerForTheRoutesResponseTimeoutIsCutOff(CapturedOutput output) {
        // the answer had started (200, first piece): all the gateway can do is end the connection, not the
        // answer (which would pass the first piece off as the whole body)
        StepVerifier.create(http.get(gateway.baseUrl() + "/stall/x", Map.of()))
                .expectError(PrematureCloseException.class)
                .verify(Duration.ofSeconds(20));
        // logged before the connection was closed: one line, the upstream's fault, not the gateway's
        assertThat(output.getOut()).contains("WARN", "GET /stall/x: the upstream of route 'stall' failed in the "
                + "middle of its answer, connection to the client closed (io.netty.handler.timeout.ReadTimeoutException)");
        assertThat(output.getOut()).doesNotContain("already committed", "Error finishing response");
    }

    @Test
    void theResponseTimeoutIsForSilenceNotForTheWholeAnswerAndARoutesOwnReplacesTheGlobalOne() {
        // 4.8 s of pauses in all, each shorter than the route's 3 s and longer than the global 2 s
        Response response = http.getNow(gateway.baseUrl() + "/pauses/x", Map.of());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("abc");
    }

    @Test
    void theDefaultsGiveUpOnAnUpstreamWithinSecondsNotNettysHalfMinute() throws IOException {
        PropertySource<?> defaults = new YamlPropertySourceLoader()
                .load("defaults", new ClassPathResource("application.yml")).get(0);
        assertThat(defaults.getProperty("spring.cloud.gateway.server.webflux.httpclient.response-timeout"))
                .hasToString("60s");
        HttpClientProperties properties = gateway.bean(HttpClientProperties.class);
        HttpClientConfig client = gateway.bean(HttpClient.class).configuration();
        // both set on the client itself: as properties, the routing filter would copy the client per request
        // (connect) or time each request's answer headers with a timer of its own (response)
        assertThat(client.responseTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(properties.getResponseTimeout()).isNull();
        assertThat(client.options().get(ChannelOption.CONNECT_TIMEOUT_MILLIS)).isEqualTo(5000);
        assertThat(properties.getConnectTimeout()).isNull();
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
