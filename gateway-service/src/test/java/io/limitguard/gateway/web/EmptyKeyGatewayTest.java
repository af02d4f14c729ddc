package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.HttpProbe.Response;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.Upstream;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RawHttp;
import io.limitguard.testsupport.RedisFixture;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A request without the rule's key, under each {@code limitguard.keys.on-empty}: {@code shared} (one
 * bucket for all key-less requests), {@code skip} (the rule does not apply) and {@code reject} (a 400
 * problem that never reaches the upstream; also when a client pipelines them on one connection). One
 * gateway per setting, one real Redis.
 */
class EmptyKeyGatewayTest {

    private static RedisFixture redis;
    private static Upstream upstream;
    private static GatewayInstance shared;
    private static GatewayInstance skip;
    private static GatewayInstance reject;
    private static HttpProbe http;

    @BeforeAll
    static void start() {
        redis = RedisFixture.start();
        upstream = new Upstream();
        // a rule of its own per gateway (the rule id is part of the Redis key): capacity 3, no refill to speak of
        shared = GatewayInstance.start(gateway("shared"));
        skip = GatewayInstance.start(gateway("skip"));
        reject = GatewayInstance.start(gateway("reject"));
        http = new HttpProbe();
    }

    private static Map<String, Object> gateway(String onEmpty) {
        return new Rules()
                .route("demo", upstream.uri(), "/demo/**")
                .rule(onEmpty + "-rule", "demo", "header:X-API-Key", "closed", "three", 3, 0.001)
                .set("limitguard.keys.on-empty", onEmpty)
                .redis(redis.uri())
                .properties();
    }

    @AfterAll
    static void stop() {
        Closing.all(http, shared, skip, reject, upstream, redis);
    }

    @Test
    void sharedPutsEveryKeylessRequestInOneBucketOfTheRule() {
        List<String> keyless = statuses(shared, 4, Map.of());
        assertThat(keyless).containsExactly("200 r=2", "200 r=1", "200 r=0", "429");
        // a client that sends its key has a bucket of its own
        assertThat(statuses(shared, 1, Map.of("X-API-Key", "client-1"))).containsExactly("200 r=2");
        assertThat(HttpProbe.decisions(shared, "shared-rule", "allowed")).isEqualTo(4);
        assertThat(HttpProbe.decisions(shared, "shared-rule", "blocked")).isEqualTo(1);
    }

    @Test
    void skipLetsKeylessRequestsThroughUnlimitedAndUncounted() {
        int before = upstream.requests();
        assertThat(statuses(skip, 5, Map.of())).containsOnly("200 -");
        assertThat(upstream.requests() - before).isEqualTo(5);
        assertThat(HttpProbe.decisions(skip, "skip-rule", "allowed")).isZero();
        // the rule still limits the clients that send a key
        assertThat(statuses(skip, 4, Map.of("X-API-Key", "client-1")))
                .containsExactly("200 r=2", "200 r=1", "200 r=0", "429");
    }

    @Test
    void rejectAnswersAKeylessRequestWithA400ProblemNamingTheRule() {
        int before = upstream.requests();
        for (int i = 0; i < 3; i++) {
            Response response = http.getNow(reject.baseUrl() + "/demo/x", Map.of());
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            JsonNode body = JsonMapper.shared().readTree(response.body());
            assertThat(body.get("type").asString()).isEqualTo("https://limitguard.io/problems/missing-key");
            assertThat(body.get("status").asInt()).isEqualTo(400);
            assertThat(body.get("rule").asString()).isEqualTo("reject-rule");
        }
        assertThat(upstream.requests() - before).as("no key-less request reached the upstream").isZero();
        assertThat(HttpProbe.decisions(reject, "reject-rule", "missing_key")).isEqualTo(3);
        // an empty header is no key either
        assertThat(statuses(reject, 1, Map.of("X-API-Key", ""))).containsExactly("400");
        assertThat(statuses(reject, 1, Map.of("X-API-Key", "client-1"))).containsExactly("200 r=2");
    }

    /**
     * A client that pipelines (sends its next requests before the answers came) on one keep-alive
     * connection gets every answer, also when each is decided at once on the event loop (this 400 never
     * waits on Redis), and the connection goes on reading. (Written while tracking
     * reactor/reactor-netty#4361, a connection that stopped reading after a buffered request answered at
     * once; this test does not reproduce that bug on Reactor Netty 1.3.6, see docs/FAILURE_SCENARIOS.md.)
     */
    @Test
    void pipelinedRequestsOnOneKeepAliveConnectionAreAllAnswered() throws Exception {
        String request = "GET /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        try (Socket socket = new Socket("127.0.0.1", reject.port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int round = 0; round < 20; round++) {
                out.write(request.repeat(16).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(RawHttp.statusLines(in, 16)).as("round %d: 16 pipelined requests answered", round)
                        .containsOnly("HTTP/1.1 400 Bad Request");
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(RawHttp.statusLines(in, 1)).as("round %d: the request after them answered", round)
                        .containsExactly("HTTP/1.1 400 Bad Request");
            }
        }
    }

    /** Status of each of {@code n} requests, with the remaining quota of its RateLimit header when it was a 200. */
    private static List<String> statuses(GatewayInstance gateway, int n, Map<String, String> headers) {
        List<String> statuses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Response response = http.getNow(gateway.baseUrl() + "/demo/x", headers);
            String rateLimit = response.header("RateLimit");
            statuses.add(response.status() == 200
                    ? "200 " + (rateLimit == null ? "-" : rateLimit.replaceAll(".*;r=(\\d+);.*", "r=$1"))
                    : Integer.toString(response.status()));
        }
        return statuses;
    }
}
