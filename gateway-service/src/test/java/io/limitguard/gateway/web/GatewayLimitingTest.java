package io.limitguard.gateway.web;

import static io.limitguard.gateway.testing.HttpProbe.decidedInRedis;
import static io.limitguard.gateway.testing.HttpProbe.decisions;
import static io.limitguard.gateway.testing.HttpProbe.scriptCalls;
import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.events.DecisionEvent;
import io.limitguard.events.Outcome;
import io.limitguard.gateway.limit.TokenBucketState;
import io.limitguard.gateway.testing.BlockingCalls;
import io.limitguard.gateway.testing.ConnectedRedis;
import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.RecordingSink;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.Upstream;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RawHttp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two gateway instances against one real Redis and a real upstream: exact limits under
 * concurrency, all-or-nothing charging, headers and problem bodies field by field, hostile input,
 * and BlockHound watching every Netty thread while the requests run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayLimitingTest {

    private static ConnectedRedis redis;
    private static Upstream upstream;
    private static GatewayInstance gatewayA;
    private static GatewayInstance gatewayB;
    private static ConnectionProvider connections;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        BlockingCalls.watch();
        redis = ConnectedRedis.start();
        upstream = new Upstream();
        Rules rules = new Rules()
                .route("lim", upstream.uri(), "/lim/**")
                .route("pair", upstream.uri(), "/pair/**")
                .route("hdr", upstream.uri(), "/hdr/**")
                .route("ip", upstream.uri(), "/ip/**")
                .route("hostile", upstream.uri(), "/hostile/**")
                .route("free", upstream.uri(), "/free/**")
                // closed: should Redis ever fail to answer in time, it shows as 503s, never as extra 200s
                .rule("exact", "lim", "header:X-API-Key", "closed", "total", 100, 0.001)
                .rule("two-limits", "pair", "header:X-API-Key", "open", "wide", 50, 0.001, "narrow", 3, 0.001)
                .rule("hdr", "hdr", "header:X-API-Key", "open", "burst", 2, 0.5)
                .rule("per-ip", "ip", "ip", "open", "burst", 3, 0.001)
                .rule("hostile", "hostile", "header:X-API-Key", "open", "burst", 2, 0.001)
                .redis(redis.uri())
                .set("limitguard.trusted-proxies[0]", "10.0.0.0/8")
                .set("server.max-http-request-header-size", "128KB");
        gatewayA = GatewayInstance.start(rules.set("limitguard.headers.legacy", "true").properties(), RecordingSink.Config.class);
        gatewayB = GatewayInstance.start(rules.set("limitguard.headers.legacy", "false").properties(), RecordingSink.Config.class);
        connections = ConnectionProvider.builder("test").maxConnections(400).pendingAcquireMaxCount(-1).build();
        http = HttpClient.create(connections).responseTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (connections != null) {
            connections.disposeLater().block(Duration.ofSeconds(5));
        }
        Closing.all(gatewayA, gatewayB, upstream, redis);
    }

    @Test
    @Order(1)
    void exactlyTheLimitIsAllowedAcrossTwoInstancesUnderConcurrency() {
        int before = upstream.requests();
        long callsBefore = scriptCalls(gatewayA) + scriptCalls(gatewayB);
        long decidedBefore = decidedInRedis(gatewayA) + decidedInRedis(gatewayB);
        int total = 1200;
        List<Integer> statuses = Flux.range(0, total)
                .flatMap(i -> status((i % 2 == 0 ? gatewayA : gatewayB).baseUrl() + "/lim/x", "exact-1"), 256)
                .collectList().block(Duration.ofSeconds(120));

        assertThat(statuses).hasSize(total);
        String outcomes = Stream.of("allowed", "blocked", "failed_open", "failed_closed")
                .map(o -> o + "=" + (decisions(gatewayA, "exact", o) + decisions(gatewayB, "exact", o)))
                .collect(Collectors.joining(", "));
        assertThat(statuses.stream().filter(s -> s == 200).count()).as("200s; decisions: %s", outcomes).isEqualTo(100);
        assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(total - 100);
        assertThat(upstream.requests() - before).as("upstream saw only the allowed requests").isEqualTo(100);
        assertThat(decisions(gatewayA, "exact", "allowed") + decisions(gatewayB, "exact", "allowed")).isEqualTo(100);
        assertThat(decisions(gatewayA, "exact", "blocked") + decisions(gatewayB, "exact", "blocked")).isEqualTo(1100);
        List<DecisionEvent> events = new ArrayList<>(gatewayA.bean(RecordingSink.class).events("exact"));
        events.addAll(gatewayB.bean(RecordingSink.class).events("exact"));
        assertThat(events).hasSize(total);
        assertThat(events.stream().filter(e -> e.outcome() == Outcome.ALLOWED)).hasSize(100);
        assertThat(events.stream().map(DecisionEvent::requestId).distinct()).hasSize(total);
        String prometheus = get(gatewayA.baseUrl() + "/actuator/prometheus", Map.of()).body();
        assertThat(prometheus).containsPattern(
                "limitguard_decisions_total\\{[^}]*outcome=\"allowed\"[^}]*route=\"lim\"[^}]*rule=\"exact\"[^}]*} \\d");
        // every request was decided in Redis, and the instances shared script calls among them
        assertThat(decidedInRedis(gatewayA) + decidedInRedis(gatewayB) - decidedBefore).isEqualTo(total);
        assertThat(scriptCalls(gatewayA) + scriptCalls(gatewayB) - callsBefore).as("script calls").isLessThan(total * 4 / 5);
    }

    @Test
    @Order(2)
    void whenTheSecondLimitRejectsTheFirstIsNotCharged() {
        List<Response> responses = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            responses.add(get(gatewayB.baseUrl() + "/pair/x", Map.of("X-API-Key", "pair-1")));
        }
        assertThat(responses).extracting(Response::status).containsExactly(200, 200, 200, 429, 429);
        assertThat(responses.get(2).header("RateLimit")).startsWith("\"narrow\";r=0;");
        double wide = TokenBucketState.tokens(redis.sync(), "lg:{two-limits:pair-1}:wide:token-bucket");
        assertThat(wide).as("wide charged 3 times, not 5").isBetween(47.0, 47.01);
        JsonNode body = JsonMapper.shared().readTree(responses.get(4).body());
        assertThat(body.get("violatedPolicies")).hasSize(1);

        List<DecisionEvent> events = gatewayB.bean(RecordingSink.class).events("two-limits");
        assertThat(events).extracting(DecisionEvent::outcome).containsExactly(Outcome.ALLOWED, Outcome.ALLOWED,
                Outcome.ALLOWED, Outcome.BLOCKED, Outcome.BLOCKED);
        DecisionEvent third = events.get(2);
        assertThat(third.v()).isEqualTo(DecisionEvent.VERSION);
        assertThat(third.routeId()).isEqualTo("pair");
        assertThat(third.key()).isEqualTo("pair-1");
        assertThat(third.policy()).as("the most constraining limit").isEqualTo("narrow");
        assertThat(third.remaining()).isZero();
        assertThat(third.limit()).isEqualTo(3);
        assertThat(third.cost()).isEqualTo(1);
        assertThat(third.instanceId()).isNotBlank();
        assertThat(third.latencyMicros()).isPositive();
        assertThat(third.timestamp()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
        assertThat(events.get(4).policy()).isEqualTo("narrow");
        assertThat(events.stream().map(DecisionEvent::eventId).distinct()).hasSize(5);
        assertThat(body.get("violatedPolicies").get(0).get("policy").asString()).isEqualTo("narrow");
    }

    @Test
    @Order(3)
    void headersAndProblemBodyFieldByField() {
        int before = upstream.requests();
        Response first = get(gatewayA.baseUrl() + "/hdr/x", Map.of("X-API-Key", "hdr-1"));
        Response second = get(gatewayA.baseUrl() + "/hdr/x", Map.of("X-API-Key", "hdr-1"));
        Response third = get(gatewayA.baseUrl() + "/hdr/x?q=1", Map.of("X-API-Key", "hdr-1"));

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("ok");
        // capacity 2 refilled at 0.5/s: window 4 s, next token in 2 s
        assertThat(first.header("RateLimit-Policy")).isEqualTo("\"burst\";q=2;w=4");
        assertThat(first.header("RateLimit")).isEqualTo("\"burst\";r=1;t=2");
        assertThat(first.header("X-RateLimit-Limit")).isEqualTo("2");
        assertThat(first.header("X-RateLimit-Remaining")).isEqualTo("1");
        assertThat(first.header("X-RateLimit-Reset")).isEqualTo("2");
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.header("RateLimit")).isEqualTo("\"burst\";r=0;t=2");

        assertThat(third.status()).isEqualTo(429);
        assertThat(third.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(third.header("Retry-After")).isEqualTo("2");
        assertThat(third.header("RateLimit-Policy")).isEqualTo("\"burst\";q=2;w=4");
        assertThat(third.header("RateLimit")).isEqualTo("\"burst\";r=0;t=2");
        JsonNode body = JsonMapper.shared().readTree(third.body());
        assertThat(body.get("type").asString()).isEqualTo("https://limitguard.io/problems/rate-limited");
        assertThat(body.get("title").asString()).isEqualTo("Too Many Requests");
        assertThat(body.get("status").asInt()).isEqualTo(429);
        assertThat(body.get("detail").asString()).isEqualTo("Rate limit exceeded for rule 'hdr' policy 'burst'.");
        assertThat(body.get("instance").asString()).isEqualTo("/hdr/x");
        assertThat(body.get("rule").asString()).isEqualTo("hdr");
        assertThat(body.get("retryAfter").asLong()).isEqualTo(2);
        JsonNode policy = body.get("violatedPolicies").get(0);
        assertThat(policy.get("rule").asString()).isEqualTo("hdr");
        assertThat(policy.get("policy").asString()).isEqualTo("burst");
        assertThat(policy.get("quota").asLong()).isEqualTo(2);
        assertThat(policy.get("window").asLong()).isEqualTo(4);
        assertThat(policy.get("retryAfter").asLong()).isEqualTo(2);
        assertThat(upstream.requests() - before).as("the rejected request never reached the upstream").isEqualTo(2);

        Response onB = get(gatewayB.baseUrl() + "/hdr/x", Map.of("X-API-Key", "hdr-2"));
        assertThat(onB.header("RateLimit")).isEqualTo("\"burst\";r=1;t=2");
        assertThat(onB.header("X-RateLimit-Limit")).as("legacy headers off on B").isNull();

        Response unlimited = get(gatewayB.baseUrl() + "/free/x", Map.of());
        assertThat(unlimited.status()).isEqualTo(200);
        assertThat(unlimited.header("RateLimit")).isNull();
    }

    @Test
    @Order(4)
    void spoofedForwardedForFromAnUntrustedPeerDoesNotChangeTheKey() {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            statuses.add(get(gatewayA.baseUrl() + "/ip/x", Map.of("X-Forwarded-For", "203.0.113." + i)).status());
        }
        assertThat(statuses).containsExactly(200, 200, 200, 429, 429, 429);
        assertThat(redis.sync().exists("lg:{per-ip:127.0.0.1}:burst:token-bucket")).isEqualTo(1);
        assertThat(redis.sync().keys("lg:{per-ip:203.*")).isEmpty();
    }

    @Test
    @Order(5)
    void aHugeHeaderOrControlCharactersNeitherCrashNorBypass() throws Exception {
        String huge = "k".repeat(64 * 1024);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            statuses.add(get(gatewayA.baseUrl() + "/hostile/x", Map.of("X-API-Key", huge)).status());
        }
        assertThat(statuses).containsExactly(200, 200, 429, 429);
        assertThat(redis.sync().keys("lg:{hostile:sha256:*}:burst:token-bucket")).hasSize(1);

        List<Integer> raw = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            raw.add(RawHttp.status(gatewayB.port(), "GET /hostile/x HTTP/1.1\r\nHost: x\r\nX-API-Key: a\u0001b\u007fc{}\r\n"
                    + "Connection: close\r\n\r\n"));
        }
        // Netty may refuse the header (400); if it passes, the key is hashed and limited like any other.
        assertThat(raw).doesNotContain(500, 502, 503);
        if (raw.get(0) == 200) {
            assertThat(raw).containsExactly(200, 200, 429, 429);
        } else {
            assertThat(raw).containsOnly(400);
        }
        Pattern safe = Pattern.compile("lg:\\{[A-Za-z0-9._-]+:[A-Za-z0-9._:@/+=()-]{1,135}\\}:[A-Za-z0-9._-]+:[a-z-]+");
        assertThat(redis.sync().keys("lg:*")).allMatch(key -> safe.matcher(key).matches());
        assertThat(get(gatewayB.baseUrl() + "/free/x", Map.of()).status()).as("still serving").isEqualTo(200);
    }

    @Test
    @Order(100)
    void noBlockingCallOnANettyThreadDuringAnyOfTheseRequests() {
        assertThat(BlockingCalls.seen()).as("blocking calls on non-blocking threads").isEmpty();
        // BlockHound is live: the same check catches a deliberate sleep on a non-blocking thread.
        Mono.fromRunnable(() -> {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5));
        assertThat(BlockingCalls.seen().keySet()).anyMatch(call -> call.contains("sleep"));
    }

    private static Mono<Integer> status(String url, String apiKey) {
        return http.headers(h -> h.set("X-API-Key", apiKey)).get().uri(url)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                        .thenReturn(response.status().code()));
    }

    private static Response get(String url, Map<String, String> headers) {
        return http.headers(h -> headers.forEach(h::set)).get().uri(url)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                        .map(text -> new Response(response.status().code(), response.responseHeaders(), text)))
                .block(Duration.ofSeconds(30));
    }

    record Response(int status, io.netty.handler.codec.http.HttpHeaders headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }
}
