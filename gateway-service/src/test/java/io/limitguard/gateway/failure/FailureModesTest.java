package io.limitguard.gateway.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.limitguard.gateway.limit.Algorithm;
import io.limitguard.gateway.limit.LimitEngine;
import io.limitguard.gateway.limit.LimitScripts;
import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.RedisStats;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.Upstream;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RedisFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The failure modes against a real {@code redis-server} that the test kills (SIGKILL), freezes
 * (SIGSTOP) and restarts empty, with one gateway whose rules fail open, closed and local. The
 * gateway starts while Redis is already dead. Figures measured here go to
 * {@code target/failure-scenarios.txt} (and docs/FAILURE_SCENARIOS.md).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailureModesTest {

    private static final Logger log = LoggerFactory.getLogger(FailureModesTest.class);
    /** The time limit of one Redis call in this test: a few ms would be flaky on a loaded 2-core box. */
    private static final Duration TIME_LIMIT = Duration.ofMillis(300);
    /** What "not slower than the time limit" may add on a busy machine: scheduling, GC, the HTTP hop. */
    private static final long MARGIN_MS = 400;
    private static final StringBuilder figures = new StringBuilder();

    private static RedisFixture redis;
    private static Upstream upstream;
    private static GatewayInstance gateway;
    private static CircuitBreaker breaker;
    private static HttpClient http;
    private static int keySuffix;
    private static final Deque<CircuitBreakerEvent> breakerEvents = new ConcurrentLinkedDeque<>();

    @BeforeAll
    static void start() {
        redis = RedisFixture.start();
        redis.kill(); // the gateway starts before Redis exists (the port stays ours for restart())
        upstream = new Upstream();
        gateway = GatewayInstance.start(new Rules()
                .route("open-r", upstream.uri(), "/open/**")
                .route("closed-r", upstream.uri(), "/closed/**")
                .route("local-r", upstream.uri(), "/local/**")
                .route("exact-r", upstream.uri(), "/exact/**")
                .rule("fo", "open-r", "header:X-API-Key", "open", "burst", 1000, 100)
                .rule("fc", "closed-r", "header:X-API-Key", "closed", "burst", 1000, 100)
                .rule("fl", "local-r", "header:X-API-Key", "local", "burst", 10, 0.001)
                .rule("fx", "exact-r", "header:X-API-Key", "closed", "three", 3, 0.001)
                .route("conc-r", upstream.uri(), "/conc/**")
                .ruleOf("fcc", "conc-r", "header:X-API-Key", "open",
                        Map.of("name", "inflight", "algorithm", "concurrency", "max-in-flight", 2))
                .set("limitguard.redis.uri", redis.uri())
                .set("limitguard.redis.timeout", TIME_LIMIT.toMillis() + "ms")
                .set("limitguard.expected-instances", 2)
                .set("limitguard.breaker.wait-in-open", "1s")
                .properties());
        breaker = gateway.bean(RedisGuard.class).breaker();
        // the breaker's recent history, shown when the gateway does not recover in time
        breaker.getEventPublisher().onStateTransition(breakerEvents::addLast).onError(breakerEvents::addLast);
        http = HttpClient.create().responseTimeout(Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() throws Exception {
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/failure-scenarios.txt"), figures.toString());
        log.info("Failure scenario figures:\n{}", figures);
        Closing.all(gateway, upstream, redis);
    }

    @Test
    @Order(1)
    void startedBeforeRedisExistsItServesInFailureModesThenEnforces() {
        String key = key();
        assertThat(get("/open/x", key).status()).isEqualTo(200);
        Response closed = get("/closed/x", key);
        assertUnavailableProblem(closed);
        assertThat(health().at("/components/limiter/status").asString()).isEqualTo("UP");
        assertThat(health().at("/components/limiter/details/redis").asString()).isEqualTo("DOWN");

        long restarted = System.nanoTime();
        redis.restart();
        awaitEnforcement();
        figures.append(String.format("start-before-redis: enforcing %d ms after Redis started%n", ms(restarted)));
        assertExactLimit();
    }

    @Test
    @Order(2)
    void killMinus9MidStream() {
        awaitEnforcement();
        String key = key();
        Outage outage = new Outage();
        long killed = System.nanoTime();
        redis.kill();
        outage.run(Duration.ofSeconds(4), key);
        long openAfter = outage.breakerOpenedMs(killed);

        outage.assertOutcomes(key);
        figures.append(String.format("kill -9: breaker open %d ms after the kill; %s%n", openAfter, outage.summary()));

        long restarted = System.nanoTime();
        redis.restart();
        awaitEnforcement();
        figures.append(String.format("kill -9: enforcing again %d ms after restart%n", ms(restarted)));
        assertExactLimit();
    }

    @Test
    @Order(3)
    void sigstopMidStreamIsDrivenByTheTimeLimit() {
        awaitEnforcement();
        String key = key();
        Outage outage = new Outage();
        long frozen = System.nanoTime();
        redis.freeze();
        try {
            outage.run(Duration.ofSeconds(4), key);
        } finally {
            redis.thaw();
        }
        long openAfter = outage.breakerOpenedMs(frozen);
        outage.assertOutcomes(key);
        // Before the breaker opened, the calls waited for the time limit, not for Lettuce or TCP.
        assertThat(outage.slowest()).isLessThan(TIME_LIMIT.toMillis() + MARGIN_MS);
        figures.append(String.format("SIGSTOP: breaker open %d ms after the freeze; slowest request %d ms; %s%n",
                openAfter, outage.slowest(), outage.summary()));
        long thawed = System.nanoTime();
        awaitEnforcement();
        figures.append(String.format("SIGSTOP: enforcing again %d ms after SIGCONT%n", ms(thawed)));
        assertExactLimit();
    }

    @Test
    @Order(4)
    void restartEmptyReloadsTheScriptAndNoRequestFails() {
        awaitEnforcement();
        // A steady stream of requests (one every 10 ms) across the restart.
        List<Integer> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
        reactor.core.Disposable stream = reactor.core.publisher.Flux.interval(Duration.ofMillis(10))
                .onBackpressureDrop()
                .concatMap(i -> request("/open/x", "restart-" + i))
                .subscribe(response -> statuses.add(response.status()));
        long restarted = System.nanoTime();
        long recovered;
        try {
            redis.restart();
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                    .until(FailureModesTest::enforcing);
        } finally {
            recovered = ms(restarted);
            // keep the stream going a little past the recovery, so it covers before, during and after
            await().atMost(Duration.ofSeconds(15)).until(() -> statuses.size() >= 30);
            stream.dispose();
        }
        assertThat(statuses).as("no request failed during the restart").containsOnly(200);
        assertExactLimit();
        try (RedisClient client = RedisClient.create(redis.uri());
                StatefulRedisConnection<String, String> connection = client.connect()) {
            String sha = gateway.bean(LimitEngine.class).scripts().forAlgorithms(Algorithm.TOKEN_BUCKET).sha();
            assertThat(sha).isEqualTo(LimitScripts.load().forAlgorithms(Algorithm.TOKEN_BUCKET).sha());
            assertThat(connection.sync().scriptExists(sha)).as("script reloaded into the empty Redis").containsExactly(true);
        }
        figures.append(String.format("restart (empty): enforcing %d ms after restart, %d requests across it (every 10 ms), all 200%n",
                recovered, statuses.size()));
    }

    @Test
    @Order(5)
    void metricsAndHealthShowTheFailureModes() {
        // With Redis up, the local rule is enforced by Redis at its full size (10, not the local 5).
        String key = key();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            statuses.add(get("/local/x", key).status());
        }
        assertThat(statuses.subList(0, 10)).containsOnly(200);
        assertThat(statuses.get(10)).isEqualTo(429);
        String prometheus = http.get().uri(gateway.baseUrl() + "/actuator/prometheus").responseSingle((r, b) -> b.asString())
                .block(Duration.ofSeconds(20));
        assertThat(prometheus).contains("resilience4j_circuitbreaker_state{name=\"redis\",state=\"closed\"} 1.0");
        assertThat(prometheus).containsPattern("resilience4j_circuitbreaker_calls_seconds_count\\{kind=\"failed\",name=\"redis\"} [1-9]");
        assertThat(prometheus).containsPattern("resilience4j_circuitbreaker_not_permitted_calls_total\\{kind=\"not_permitted\",name=\"redis\"} [1-9]");
        for (String outcome : List.of("allowed", "blocked", "failed_open", "failed_closed", "local_allowed", "local_blocked")) {
            assertThat(prometheus).containsPattern("limitguard_decisions_total\\{outcome=\"" + outcome + "\",[^}]*} [1-9]");
        }
        assertThat(prometheus).contains("limitguard_redis_latency_seconds_bucket{le=");
        // the SIGSTOP scenario's calls hit the time limit
        assertThat(prometheus).containsPattern("limitguard_redis_timeouts_total [1-9]");
        JsonNode health = health();
        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.at("/components/limiter/details/breaker").asString()).isEqualTo("CLOSED");
        assertThat(health.at("/components/limiter/details/redis").asString()).isEqualTo("UP");
    }

    @Test
    @Order(6)
    void aSlotTheLateScriptOfATimedOutCallTakesIsGivenBack() {
        awaitEnforcement();
        String key = key();
        String slots = "lg:{fcc:" + key + "}:inflight:concurrency";
        try (RedisClient client = RedisClient.create(redis.uri());
                StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(get("/conc/x", key).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.sync().zcard(slots) == 0);
            long callsBefore = RedisStats.evalshaCalls(connection.sync());

            Response slow;
            redis.freeze();
            try {
                slow = get("/conc/x", key);
            } finally {
                redis.thaw();
            }
            assertThat(slow.status()).isEqualTo(200);
            assertThat(slow.rateLimit()).as("failed open at the time limit").isNull();

            // Redis runs the late script once thawed and takes a slot: once it has, the slot must come back
            // within moments, not when its 60 s lease expires
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> RedisStats.evalshaCalls(connection.sync()) > callsBefore);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> assertThat(connection.sync().zcard(slots)).as("late slot released").isZero());
        }
    }

    /** Requests to all three routes while Redis is out, with what came back and how fast. */
    private final class Outage {
        final List<Response> open = new ArrayList<>();
        final List<Response> closed = new ArrayList<>();
        final List<Response> local = new ArrayList<>();
        final List<Long> transitions = new ArrayList<>();
        long openedAt = -1;

        Outage() {
            breaker.getEventPublisher().onStateTransition(event -> {
                if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN && openedAt < 0) {
                    openedAt = System.nanoTime();
                }
            });
        }

        void run(Duration duration, String key) {
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                open.add(get("/open/x", key));
                closed.add(get("/closed/x", key));
                local.add(get("/local/x", key));
            }
        }

        long breakerOpenedMs(long since) {
            assertThat(openedAt).as("breaker opened").isPositive();
            return (openedAt - since) / 1_000_000;
        }

        long slowest() {
            return java.util.stream.Stream.of(open, closed, local).flatMap(List::stream).mapToLong(Response::millis).max()
                    .orElse(0);
        }

        void assertOutcomes(String key) {
            assertThat(open).extracting(Response::status).as("open: zero 5xx").containsOnly(200);
            assertThat(closed).allSatisfy(FailureModesTest::assertUnavailableProblem);
            // local: capacity 10 / expected-instances 2 = 5 per key, no refill during the test
            assertThat(local.stream().filter(r -> r.status() == 200).count()).as("local limit").isEqualTo(5);
            assertThat(local).extracting(Response::status).containsOnly(200, 429);
            // Once the breaker is open, nothing waits on Redis.
            List<Response> afterOpen = open.stream().filter(r -> r.startedNanos() > openedAt).toList();
            assertThat(afterOpen).isNotEmpty();
            assertThat(afterOpen).allSatisfy(r -> assertThat(r.millis()).isLessThan(TIME_LIMIT.toMillis() + MARGIN_MS));
        }

        String summary() {
            return String.format("%d requests in the outage: open %s, closed %s, local %s; p50/max latency after open %s",
                    open.size() + closed.size() + local.size(), counts(open), counts(closed), counts(local),
                    latencies(open.stream().filter(r -> r.startedNanos() > openedAt).toList()));
        }
    }

    private static String counts(List<Response> responses) {
        Map<Integer, Integer> byStatus = new TreeMap<>();
        responses.forEach(r -> byStatus.merge(r.status(), 1, Integer::sum));
        return byStatus.toString();
    }

    private static String latencies(List<Response> responses) {
        List<Long> sorted = responses.stream().map(Response::millis).sorted().toList();
        return sorted.isEmpty() ? "-" : sorted.get(sorted.size() / 2) + "/" + sorted.get(sorted.size() - 1) + " ms";
    }

    private static void assertUnavailableProblem(Response response) {
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.retryAfter()).isEqualTo("1");
        JsonNode body = JsonMapper.shared().readTree(response.body());
        assertThat(body.get("type").asString()).isEqualTo("https://limitguard.io/problems/limiter-unavailable");
        assertThat(body.get("status").asInt()).isEqualTo(503);
        assertThat(body.get("rule").asString()).isEqualTo("fc");
    }

    /**
     * Waits until Redis decides again (a closed rule answers 200 and carries RateLimit headers) and the
     * breaker is closed with no failure left in its window: failures from before Redis came back (the
     * start-up, say, with the breaker never opened) could otherwise still open it on the next call.
     */
    private static void awaitEnforcement() {
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(FailureModesTest::enforcing);
        } catch (ConditionTimeoutException e) {
            List<String> last = breakerEvents.stream().map(Object::toString).toList();
            throw new AssertionError("Redis did not decide again within 20 s; breaker " + breaker.getState()
                    + ", its last transitions and errors:\n" + String.join("\n", last.subList(Math.max(0, last.size() - 30), last.size())), e);
        }
    }

    private static boolean enforcing() {
        return redisDecided("/closed/x") && breaker.getState() == CircuitBreaker.State.CLOSED
                && breaker.getMetrics().getNumberOfFailedCalls() == 0;
    }

    private static boolean redisDecided(String path) {
        Response response = get(path, key());
        return response.status() == 200 && response.rateLimit() != null;
    }

    /** A fresh key on a rule of capacity 3 without refill is counted exactly by Redis again: 3 pass, then 429. */
    private static void assertExactLimit() {
        String key = key();
        List<Response> responses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            responses.add(get("/exact/x", key));
        }
        assertThat(responses).extracting(Response::status).containsExactly(200, 200, 200, 429);
        assertThat(responses).extracting(Response::rateLimit).containsExactly("\"three\";r=2;t=1000",
                "\"three\";r=1;t=1000", "\"three\";r=0;t=1000", "\"three\";r=0;t=1000");
    }

    private static JsonNode health() {
        String body = http.get().uri(gateway.baseUrl() + "/actuator/health").responseSingle((r, b) -> {
            assertThat(r.status().code()).isEqualTo(200);
            return b.asString();
        }).block(Duration.ofSeconds(20));
        return JsonMapper.shared().readTree(body);
    }

    private static String key() {
        return "k" + (++keySuffix);
    }

    private static long ms(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }

    private static Response get(String path, String key) {
        try {
            return request(path, key).block(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            // A request that never came back is the one failure these scenarios must not have: keep
            // the evidence (every thread's stack) for whoever reads the report.
            logThreadDumpOnce(path + " for key " + key + " failed: " + e);
            throw e;
        }
    }

    private static boolean dumped;

    private static synchronized void logThreadDumpOnce(String why) {
        if (dumped) {
            return;
        }
        dumped = true;
        StringBuilder dump = new StringBuilder(why).append('\n');
        for (java.lang.management.ThreadInfo thread : java.lang.management.ManagementFactory.getThreadMXBean()
                .dumpAllThreads(true, true)) {
            dump.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState()).append('\n');
            for (StackTraceElement frame : thread.getStackTrace()) {
                dump.append("    at ").append(frame).append('\n');
            }
        }
        log.error("Thread dump after a failed request:\n{}", dump);
    }

    private static reactor.core.publisher.Mono<Response> request(String path, String key) {
        long start = System.nanoTime();
        return http.headers(h -> h.set("X-API-Key", key)).get().uri(gateway.baseUrl() + path)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("").map(text -> new Response(
                        response.status().code(), response.responseHeaders().get("Content-Type"),
                        response.responseHeaders().get("Retry-After"), response.responseHeaders().get("RateLimit"), text,
                        start, (System.nanoTime() - start) / 1_000_000)));
    }

    record Response(int status, String contentType, String retryAfter, String rateLimit, String body, long startedNanos,
            long millis) {
    }

}
