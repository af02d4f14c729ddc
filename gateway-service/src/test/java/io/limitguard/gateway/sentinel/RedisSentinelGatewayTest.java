package io.limitguard.gateway.sentinel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.limitguard.gateway.failure.RedisGuard;
import io.limitguard.gateway.limit.Algorithm;
import io.limitguard.gateway.limit.LimitEngine;
import io.limitguard.gateway.limit.MeteredEngineListener;
import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.HttpProbe.Response;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.Upstream;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RedisSentinelFixture;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.publisher.Flux;

/**
 * A gateway on {@code limitguard.redis.uri=redis-sentinel://...#mymaster} (a master, a replica and three Sentinels,
 * {@link RedisSentinelFixture}): exact limits on the master; after a planned failover ({@code SENTINEL FAILOVER}) the
 * gateway moves to the new master as soon as the Sentinels name it, not only once they demote the old one; a killed master makes each rule use its
 * failure mode until the Sentinels promote the replica, then the gateway limits exactly again on the new master
 * without a restart; each time its scripts are there before the first decision needs them (loaded up front or sent
 * again on NOSCRIPT); and the admin API's rule store (its own connections, pub/sub included) follows too, on the
 * same announcement as the limiter, so a rule change made right after a planned failover is not lost when the old
 * master resyncs. The tests run in order: each failover changes the set-up.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSentinelGatewayTest {

    private static final String TOKEN = "test-admin-token-0123456789";
    private static final int LIMIT = 10;
    private static final Map<String, String> ADMIN = Map.of("Authorization", "Bearer " + TOKEN,
            "Content-Type", "application/json");
    /** The rule store's hash ({@code limitguard.admin.redis-key}'s default). */
    private static final String RULES_KEY = "limitguard:rules";

    private static RedisSentinelFixture sentinel;
    private static Upstream upstream;
    private static GatewayInstance gateway;
    private static HttpProbe http;

    @BeforeAll
    static void start() {
        sentinel = RedisSentinelFixture.start();
        upstream = new Upstream();
        gateway = GatewayInstance.start(new Rules()
                .route("exact", upstream.uri(), "/exact/**")
                .route("open", upstream.uri(), "/open/**")
                .route("later", upstream.uri(), "/later/**")
                .route("planned", upstream.uri(), "/planned/**")
                // closed: a call Redis could not answer shows as a 503, never as an extra 200
                .rule("exact", "exact", "header:X-API-Key", "closed", "total", LIMIT, 0.001)
                .rule("open", "open", "header:X-API-Key", "open", "huge", 1_000_000, 1000)
                .set("limitguard.admin.token", TOKEN)
                .redis(sentinel.uri())
                .properties());
        http = new HttpProbe();
        await().atMost(Duration.ofSeconds(20)).until(() -> decidedByRedis("warm"));
    }

    @AfterAll
    static void stop() {
        Closing.all(http, gateway, upstream, sentinel);
    }

    @Test
    @Order(1)
    void exactlyTheLimitOnTheMasterTheSentinelsName() {
        assertExactlyTheLimitStoredOn(sentinel.masterPort(), "k1");
    }

    @Test
    @Order(2)
    void aPlannedFailoverMovesTheGatewayToTheNewMasterBeforeTheSentinelsDemoteTheOldOne() {
        int replica = sentinel.otherPort();
        sentinel.cli(replica, "script", "flush"); // Redis 7 does not pass SCRIPT LOAD on to replicas; whatever the version

        long asked = System.nanoTime();
        int old = sentinel.failover();
        // The new master has run EVALSHA once the gateway is on it (as a replica it only ran the script's effects,
        // replicated as such). A Sentinel promoting a replica closes its clients (CLIENT KILL TYPE normal), so a
        // redis-cli asking it at that moment may fail: asked again.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsInstanceOf(IllegalStateException.class).until(() -> {
            http.getNow(gateway.baseUrl() + "/exact/x", Map.of("X-API-Key", "planned"));
            return sentinel.cli(replica, "info", "commandstats").contains("cmdstat_evalsha:");
        });
        System.out.printf("SENTINEL PLANNED FAILOVER gateway deciding on the new master %d ms after SENTINEL FAILOVER%n",
                (System.nanoTime() - asked) / 1_000_000);
        // Moved on the Sentinels' word (SentinelWatch): the old master still runs as a master and would take writes
        // until a Sentinel turns it into a replica and closes its clients, about 10 s after the switch (its next
        // INFO of it); decisions made there meanwhile would be lost when it resyncs.
        assertThat(sentinel.cli(old, "role").lines().findFirst()).as("old master not demoted yet").contains("master");

        // The admin API's rule store moved on the same announcement (SentinelWatch): a change made now, while the old
        // master still takes writes, is stored on the new master, not on the old one, which would drop it on resync.
        assertThat(putRule("planned", "three", 3)).isEqualTo(200);
        System.out.printf("SENTINEL PLANNED FAILOVER rule change through the admin API stored %d ms after SENTINEL "
                + "FAILOVER%n", (System.nanoTime() - asked) / 1_000_000);
        assertThat(sentinel.cli(replica, "hexists", RULES_KEY, "planned")).as("on the new master").isEqualTo("1");
        assertThat(sentinel.cli(old, "role").lines().findFirst()).as("made while the old master was still one")
                .contains("master");

        assertThat(sentinel.awaitFailover()).isEqualTo(replica);
        assertThat(sentinel.otherPort()).isEqualTo(old);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(RedisSentinelGatewayTest::limiting);
        // the old master resynced from the new one (awaitFailover) and the rule store is on the new master: still there
        assertThat(sentinel.cli(old, "hexists", RULES_KEY, "planned")).as("replicated to the old master").isEqualTo("1");
        assertThat(http.getNow(gateway.baseUrl() + "/limitguard/admin/rules/planned", ADMIN).status()).isEqualTo(200);
        assertThat(Flux.range(0, 5).concatMap(i -> http.get(gateway.baseUrl() + "/planned/x", Map.of("X-API-Key", "p")))
                .map(Response::status).collectList().block(Duration.ofSeconds(30))).containsExactly(200, 200, 200, 429, 429);

        assertExactlyTheLimitStoredOn(replica, "k-planned");
        // the connection made anew loaded the scripts first, as on start-up: no request had to pay a NOSCRIPT
        assertThat(sentinel.cli(replica, "script", "exists", tokenBucketSha())).isEqualTo("1");
    }

    @Test
    @Order(3)
    void aKilledMasterMeansFailureModesUntilThePromotedReplicaLimitsExactlyAgain() {
        sentinel.cli(sentinel.otherPort(), "script", "flush");
        long failedOpenBefore = HttpProbe.decisions(gateway, "open", "failed_open");
        long failedClosedBefore = HttpProbe.decisions(gateway, "exact", "failed_closed");

        long killed = System.nanoTime();
        int old = sentinel.killMaster();
        // during the failover: the open rule lets requests through, the closed one refuses them (503)
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                http.getNow(gateway.baseUrl() + "/open/x", Map.of("X-API-Key", "during")).status() == 200
                        && HttpProbe.decisions(gateway, "open", "failed_open") > failedOpenBefore);
        assertThat(http.getNow(gateway.baseUrl() + "/exact/x", Map.of("X-API-Key", "during")).status()).isEqualTo(503);
        assertThat(HttpProbe.decisions(gateway, "exact", "failed_closed")).isGreaterThan(failedClosedBefore);

        int promoted = sentinel.awaitFailover();
        long failedOver = System.nanoTime();
        assertThat(promoted).isNotEqualTo(old);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(RedisSentinelGatewayTest::limiting);
        // the figures quoted in docs/OPERATIONS.md ("Redis high availability: Sentinel")
        System.out.printf("SENTINEL FAILOVER new master named %d ms after the kill, gateway limiting again %d ms after "
                + "the kill%n", (failedOver - killed) / 1_000_000, (System.nanoTime() - killed) / 1_000_000);

        assertExactlyTheLimitStoredOn(promoted, "k2");
        // There on the promoted master either way: loaded by the connection made anew when the Sentinels announced
        // it, or sent again after a NOSCRIPT by the old connection reconnecting through the Sentinels, whichever was
        // first (limitguard.redis.script.reloads counts the latter).
        assertThat(sentinel.cli(promoted, "script", "exists", tokenBucketSha())).isEqualTo("1");
    }

    @Test
    @Order(4)
    void aRuleChangedThroughTheAdminApiAfterTheFailoversIsEnforced() {
        // stored on the new master by the store's command connection, announced on its pub/sub connection: the
        // gateway applies a change only when the announcement comes back, so both must have followed the failover
        await().atMost(Duration.ofSeconds(20)).until(() -> putRule("later", "two", 2) == 200);
        await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(
                http.getNow(gateway.baseUrl() + "/later/x", Map.of("X-API-Key", "probe")).header("RateLimit-Policy"))
                .startsWith("\"two\";q=2;"));
        assertThat(sentinel.cli(sentinel.masterPort(), "hexists", RULES_KEY, "later")).isEqualTo("1");
    }

    @Test
    @Order(5)
    void aMasterWithoutTheScriptGetsItAgainOnNoscript() {
        // what a promoted replica that never saw the script answers, if the connection reaches it before anyone
        // loaded the scripts there
        double reloadsBefore = counter(MeteredEngineListener.SCRIPT_RELOADS);
        sentinel.cli(sentinel.masterPort(), "script", "flush");

        assertThat(exactStatuses("k-noscript")).containsOnly(200, 429).filteredOn(s -> s == 200).hasSize(LIMIT);
        assertThat(counter(MeteredEngineListener.SCRIPT_RELOADS) - reloadsBefore).isPositive();
    }

    /** {@code PUT}s rule {@code id} on the route of that name, one limit of {@code capacity} that barely refills: the status. */
    private static int putRule(String id, String limit, int capacity) {
        return http.request("PUT", gateway.baseUrl() + "/limitguard/admin/rules/" + id, ADMIN, """
                {"routes": ["%s"], "key": "header:X-API-Key",
                 "limits": [{"name": "%s", "capacity": %d, "refill-per-second": 0.001}]}
                """.formatted(id, limit, capacity)).block(Duration.ofSeconds(30)).status();
    }

    /** Exactly {@link #LIMIT} of three times as many concurrent requests of {@code key} allowed, its bucket on {@code port}. */
    private static void assertExactlyTheLimitStoredOn(int port, String key) {
        assertThat(exactStatuses(key)).containsOnly(200, 429).filteredOn(s -> s == 200).hasSize(LIMIT);
        assertThat(sentinel.cli(port, "keys", "lg:{exact:" + key + "}:*")).startsWith("lg:{exact:" + key + "}:total");
    }

    /** Three times the limit from one key, concurrently: the statuses. */
    private static List<Integer> exactStatuses(String key) {
        return Flux.range(0, 3 * LIMIT)
                .flatMap(i -> http.get(gateway.baseUrl() + "/exact/x", Map.of("X-API-Key", key)), 3 * LIMIT)
                .map(Response::status).collectList().block(Duration.ofSeconds(60));
    }

    /**
     * Limiting = a request decided by Redis and the circuit breaker closed (while it is half-open it lets only a few
     * probe calls through; the rest get the failure mode).
     */
    private static boolean limiting() {
        return decidedByRedis("after") && gateway.bean(RedisGuard.class).breaker().getState() == CircuitBreaker.State.CLOSED;
    }

    /** An allowed request that carries RateLimit was decided by Redis, not by a failure mode. */
    private static boolean decidedByRedis(String key) {
        Response response = http.getNow(gateway.baseUrl() + "/open/x", Map.of("X-API-Key", key));
        return response.status() == 200 && response.header("RateLimit") != null;
    }

    private static double counter(String name) {
        var counter = gateway.bean(MeterRegistry.class).find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    private static String tokenBucketSha() {
        return gateway.bean(LimitEngine.class).scripts().forAlgorithms(Algorithm.TOKEN_BUCKET).sha();
    }
}
