package io.limitguard.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.cluster.SlotHash;
import io.limitguard.gateway.limit.Algorithm;
import io.limitguard.gateway.limit.LimitEngine;
import io.limitguard.gateway.limit.MeteredEngineListener;
import io.limitguard.gateway.testing.BlockingCalls;
import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.HttpProbe.Response;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.Upstream;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RedisClusterFixture;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Three gateway instances against a real Redis Cluster (3 masters + 3 replicas, {@link RedisClusterFixture}):
 * exact limits under concurrency with keys on every shard, per-slot decisions with refunds for a request
 * whose rules live on different shards, and a master killed mid-load (the failover test runs last: it
 * changes the cluster).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterGatewayTest {

    private static RedisClusterFixture cluster;
    private static Upstream upstream;
    private static final List<GatewayInstance> gateways = new ArrayList<>();
    private static HttpProbe http;

    @BeforeAll
    static void start() {
        gateways.clear(); // a rerun of the class starts afresh
        BlockingCalls.watch();
        cluster = RedisClusterFixture.start();
        upstream = new Upstream();
        Rules rules = new Rules()
                .route("exact", upstream.uri(), "/exact/**")
                .route("pair", upstream.uri(), "/pair/**")
                .route("solo", upstream.uri(), "/solo/**")
                .route("load", upstream.uri(), "/load/**")
                .route("after", upstream.uri(), "/after/**")
                // closed: a call Redis could not answer shows as a 503, never as an extra 200
                .rule("exact", "exact", "header:X-API-Key", "closed", "total", 20, 0.001)
                // two identities: per user AND per tenant, keys in different slots
                .rule("user", "pair", "header:X-User", "open", "wide", 50, 0.001)
                .ruleProperty("routes[1]", "solo")
                .rule("tenant", "pair", "header:X-Tenant", "open", "narrow", 3, 0.001)
                .rule("load", "load", "header:X-API-Key", "open", "huge", 1_000_000, 1000)
                .rule("after", "after", "header:X-API-Key", "closed", "total", 10, 0.001)
                // generous for a 2-core machine running three gateways, six Redis servers and the load generator
                .set("limitguard.redis.timeout", "5s")
                .set("limitguard.redis.command-timeout", "10s")
                .set("limitguard.redis.cluster.refresh-period", "1s");
        List<String> seeds = cluster.seedUris();
        for (int i = 0; i < seeds.size(); i++) {
            rules.set("limitguard.redis.cluster.nodes[" + i + "]", seeds.get(i));
        }
        for (int i = 0; i < 3; i++) {
            gateways.add(GatewayInstance.start(rules.set("limitguard.instance-id", "gw-" + i).properties()));
        }
        http = new HttpProbe();
        // every gateway connected and warmed up: a request is decided by Redis (it carries RateLimit)
        for (GatewayInstance gateway : gateways) {
            await().atMost(Duration.ofSeconds(20)).until(() -> decidedByRedis(gateway, "/load/x", "warm"));
        }
    }

    @AfterAll
    static void stop() {
        Closing.all(closeables().toArray(AutoCloseable[]::new));
    }

    private static List<AutoCloseable> closeables() {
        List<AutoCloseable> all = new ArrayList<>(gateways);
        all.add(http);
        all.add(upstream);
        all.add(cluster);
        return all;
    }

    @Test
    @Order(1)
    void exactlyTheLimitPerKeyAcrossThreeGatewaysWithKeysOnEveryShard() {
        int keys = 30;
        int perKey = 40;
        int limit = 20;
        Set<Integer> shards = IntStream.range(0, keys).mapToObj(k -> cluster.masterOfSlot(slot("exact", "k" + k, "total")))
                .collect(Collectors.toSet());
        assertThat(shards).as("the keys' slots cover every master").containsExactlyInAnyOrderElementsOf(cluster.masterPorts());
        int before = upstream.requests();

        List<Integer> order = new ArrayList<>(IntStream.range(0, keys * perKey).boxed().toList());
        Collections.shuffle(order, new java.util.Random(9));
        List<KeyStatus> answers = Flux.fromIterable(order)
                .flatMap(i -> http.get(gateways.get(i % 3).baseUrl() + "/exact/x", Map.of("X-API-Key", "k" + i % keys))
                        .map(response -> new KeyStatus("k" + i % keys, response.status())), 256)
                .collectList().block(Duration.ofSeconds(120));

        assertThat(answers).hasSize(keys * perKey);
        Map<String, Long> allowed = answers.stream().filter(a -> a.status() == 200)
                .collect(Collectors.groupingBy(KeyStatus::key, Collectors.counting()));
        assertThat(allowed).hasSize(keys).allSatisfy((key, count) -> assertThat(count).as(key).isEqualTo(limit));
        assertThat(answers.stream().filter(a -> a.status() == 429)).hasSize(keys * (perKey - limit));
        assertThat(upstream.requests() - before).isEqualTo(keys * limit);
        long failures = gateways.stream().mapToLong(g -> HttpProbe.decisions(g, "exact", "failed_closed")).sum();
        assertThat(failures).as("every call answered by the cluster").isZero();
    }

    @Test
    @Order(2)
    void whenTheLaterSlotRejectsTheEarlierSlotIsRefunded() {
        // user first (lower slot), tenant second: the tenant rejects after the user was charged
        String[] keys = pairOnTwoShards(userSlot -> tenantSlot -> userSlot < tenantSlot, "a");
        GatewayInstance gateway = gateways.get(0);
        double refundsBefore = counter(gateway, MeteredEngineListener.REFUNDS);

        List<Integer> statuses = pairRequests(gateway, keys[0], keys[1]);

        assertThat(statuses).containsExactly(200, 200, 200, 429, 429);
        assertThat(counter(gateway, MeteredEngineListener.REFUNDS) - refundsBefore)
                .as("the user's charge given back for each of the two rejected requests").isEqualTo(2.0);
        assertThat(counter(gateway, MeteredEngineListener.REFUND_FAILURES)).isZero();
        // 50 - 3 admitted - this one = 46; without the refunds it would be 44
        Response solo = http.getNow(gateway.baseUrl() + "/solo/x", Map.of("X-User", keys[0]));
        assertThat(solo.header("RateLimit")).startsWith("\"wide\";r=46;");
    }

    @Test
    @Order(3)
    void whenTheEarlierSlotRejectsTheLaterSlotIsNotAsked() {
        String[] keys = pairOnTwoShards(userSlot -> tenantSlot -> userSlot > tenantSlot, "b");
        GatewayInstance gateway = gateways.get(1);
        double refundsBefore = counter(gateway, MeteredEngineListener.REFUNDS);

        List<Integer> statuses = pairRequests(gateway, keys[0], keys[1]);

        assertThat(statuses).containsExactly(200, 200, 200, 429, 429);
        assertThat(counter(gateway, MeteredEngineListener.REFUNDS) - refundsBefore).as("nothing to refund").isZero();
        Response solo = http.getNow(gateway.baseUrl() + "/solo/x", Map.of("X-User", keys[0]));
        assertThat(solo.header("RateLimit")).startsWith("\"wide\";r=46;");
    }

    @Test
    @Order(10)
    void aMasterKilledMidLoadFailsNothingInOpenModeAndExactLimitsResumeOnThePromotedReplica() {
        String fresh = IntStream.range(0, 1000).mapToObj(i -> "fresh-" + i)
                .filter(k -> cluster.masterOfSlot(slot("after", k, "total")) == cluster.masterPorts().get(1))
                .findFirst().orElseThrow();
        int victimSlot = slot("after", fresh, "total");
        String probeKey = IntStream.range(0, 1000).mapToObj(i -> "probe-" + i)
                .filter(k -> cluster.masterOfSlot(slot("load", k, "huge")) == cluster.masterOfSlot(victimSlot))
                .findFirst().orElseThrow();
        int victim = cluster.masterOfSlot(victimSlot);
        // The replica got the script when the gateways connected (Lettuce loads it on every node). A replica
        // that joined later would not have it: make it so, so the promoted master answers NOSCRIPT.
        cluster.cli(cluster.replicaOf(victim), "script", "flush");
        double reloadsBefore = gateways.stream().mapToDouble(g -> counter(g, MeteredEngineListener.SCRIPT_RELOADS)).sum();

        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        Disposable load = Flux.range(0, Integer.MAX_VALUE).takeWhile(i -> !stop.get())
                .flatMap(i -> http.get(gateways.get(i % 3).baseUrl() + "/load/x", Map.of("X-API-Key", "load-" + i % 60)), 24)
                .subscribe(response -> statuses.add(response.status()));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> statuses.size() >= 300);
            long killed = System.nanoTime();
            int replica = cluster.killMasterOfSlot(victimSlot);
            cluster.awaitPromoted(replica);
            long promoted = System.nanoTime();
            for (GatewayInstance gateway : gateways) {
                await().atMost(Duration.ofSeconds(30)).until(() -> decidedByRedis(gateway, "/load/x", probeKey));
            }
            // the figures quoted in docs/FAILURE_SCENARIOS.md
            System.out.printf("FAILOVER replica promoted %d ms after the kill, every gateway deciding by Redis after %d ms%n",
                    (promoted - killed) / 1_000_000, (System.nanoTime() - killed) / 1_000_000);
            int afterRecovery = statuses.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> statuses.size() >= afterRecovery + 300);
        } finally {
            stop.set(true);
        }
        await().atMost(Duration.ofSeconds(60)).until(load::isDisposed);

        long failedOpen = gateways.stream().mapToLong(g -> HttpProbe.decisions(g, "load", "failed_open")).sum();
        assertThat(failedOpen).as("the killed master's keys failed open during the failover").isPositive();
        List<Integer> snapshot = List.copyOf(statuses);
        assertThat(snapshot).hasSizeGreaterThan(600).containsOnly(200);
        System.out.printf("FAILOVER %d requests during the load, all 200, %d failed open%n", snapshot.size(), failedOpen);

        List<Integer> exact = Flux.range(0, 30)
                .flatMap(i -> http.get(gateways.get(i % 3).baseUrl() + "/after/x", Map.of("X-API-Key", fresh)), 30)
                .map(Response::status).collectList().block(Duration.ofSeconds(60));
        assertThat(exact.stream().filter(s -> s == 200)).as("exactly the limit on the promoted master").hasSize(10);
        assertThat(exact.stream().filter(s -> s == 429)).hasSize(20);

        double reloads = gateways.stream().mapToDouble(g -> counter(g, MeteredEngineListener.SCRIPT_RELOADS)).sum();
        assertThat(reloads - reloadsBefore).as("NOSCRIPT answered and the script sent again").isPositive();
        String sha = gateways.get(0).bean(LimitEngine.class).scripts().forAlgorithms(Algorithm.TOKEN_BUCKET).sha();
        assertThat(cluster.cli(cluster.masterOfSlot(victimSlot), "script", "exists", sha)).isEqualTo("1");
    }

    @Test
    @Order(100)
    void noBlockingCallOnANettyOrReactorThreadDuringAnyOfTheseRequests() {
        // the cluster client's topology refreshes, per-node connections and redirects included
        assertThat(BlockingCalls.seen()).as("blocking calls on non-blocking threads").isEmpty();
    }

    /** User and tenant client keys whose slots are on different masters and ordered as {@code order} says. */
    private static String[] pairOnTwoShards(java.util.function.IntFunction<Predicate<Integer>> order, String prefix) {
        for (int u = 0; u < 100; u++) {
            for (int t = 0; t < 100; t++) {
                String user = prefix + "-user-" + u;
                String tenant = prefix + "-tenant-" + t;
                int userSlot = slot("user", user, "wide");
                int tenantSlot = slot("tenant", tenant, "narrow");
                if (cluster.masterOfSlot(userSlot) != cluster.masterOfSlot(tenantSlot)
                        && order.apply(userSlot).test(tenantSlot)) {
                    return new String[] {user, tenant};
                }
            }
        }
        throw new IllegalStateException("no key pair found");
    }

    private static List<Integer> pairRequests(GatewayInstance gateway, String user, String tenant) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            statuses.add(http.getNow(gateway.baseUrl() + "/pair/x", Map.of("X-User", user, "X-Tenant", tenant)).status());
        }
        return statuses;
    }

    private static boolean decidedByRedis(GatewayInstance gateway, String path, String key) {
        Response response = http.getNow(gateway.baseUrl() + path, Map.of("X-API-Key", key));
        return response.status() == 200 && response.header("RateLimit") != null;
    }

    private static int slot(String rule, String clientKey, String limit) {
        return SlotHash.getSlot("lg:{" + rule + ":" + clientKey + "}:" + limit);
    }

    private static double counter(GatewayInstance gateway, String name) {
        var counter = gateway.bean(MeterRegistry.class).find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    private record KeyStatus(String key, int status) {
    }
}
