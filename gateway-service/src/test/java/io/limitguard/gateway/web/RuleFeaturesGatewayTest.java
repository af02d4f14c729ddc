package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.gateway.testing.ConnectedRedis;
import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.HttpProbe.Response;
import io.limitguard.gateway.testing.RedisStats;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.Upstream;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RawHttp;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The algorithms beyond the token bucket through the whole gateway (two instances, one real Redis,
 * a real upstream): a mixed rule decided all-or-nothing in one Redis call per request, concurrency
 * slots given back when responses complete, fail or are cancelled, lease expiry, and the IETF
 * headers of each algorithm.
 */
class RuleFeaturesGatewayTest {

    private static ConnectedRedis redis;
    private static Upstream upstream;
    private static GatewayInstance gatewayA;
    private static GatewayInstance gatewayB;
    private static HttpProbe http;

    @BeforeAll
    static void start() throws Exception {
        redis = ConnectedRedis.start();
        upstream = new Upstream();
        String nobody;
        try (ServerSocket unused = new ServerSocket(0)) {
            nobody = "http://127.0.0.1:" + unused.getLocalPort(); // closed again: connections are refused
        }
        Rules rules = new Rules()
                .route("mixed", upstream.uri(), "/mixed/**")
                .route("conc", upstream.uri(), "/conc/**")
                .route("dead", nobody, "/dead/**")
                .route("lease", upstream.uri(), "/lease/**")
                .route("gcra", upstream.uri(), "/gcra/**")
                .route("fixed", upstream.uri(), "/fixed/**")
                .route("sliding", upstream.uri(), "/sliding/**")
                .ruleOf("mixed", "mixed", "header:X-API-Key", "closed",
                        Map.of("name", "smooth", "algorithm", "gcra", "rate-per-second", 1, "burst", 10),
                        Map.of("name", "hourly", "algorithm", "fixed-window", "limit", 7, "window", "1h"),
                        Map.of("name", "inflight", "algorithm", "concurrency", "max-in-flight", 5))
                .ruleOf("conc", "conc", "header:X-API-Key", "closed",
                        Map.of("name", "inflight", "algorithm", "concurrency", "max-in-flight", 2))
                .ruleOf("dead", "dead", "header:X-API-Key", "closed",
                        Map.of("name", "inflight", "algorithm", "concurrency", "max-in-flight", 1))
                .ruleOf("lease", "lease", "header:X-API-Key", "closed",
                        Map.of("name", "inflight", "algorithm", "concurrency", "max-in-flight", 1, "lease", "2s"))
                .ruleOf("gcra", "gcra", "header:X-API-Key", "closed",
                        Map.of("name", "smooth", "algorithm", "gcra", "rate-per-second", 2, "burst", 4))
                .ruleOf("fixed", "fixed", "header:X-API-Key", "closed",
                        Map.of("name", "hourly", "algorithm", "fixed-window", "limit", 3, "window", "1h"))
                .ruleOf("sliding", "sliding", "header:X-API-Key", "closed",
                        Map.of("name", "minute", "algorithm", "sliding-window", "limit", 3, "window", "1m"))
                .route("shadow", upstream.uri(), "/shadow/**")
                .route("enforced", upstream.uri(), "/enforced/**")
                .ruleOf("trial", "shadow", "header:X-API-Key", "closed",
                        Map.of("name", "minute", "algorithm", "sliding-window", "limit", 4, "window", "1h"),
                        Map.of("name", "smooth", "algorithm", "gcra", "rate-per-second", 0.001, "burst", 6))
                .ruleProperty("mode", "shadow")
                .ruleOf("twin", "enforced", "header:X-API-Key", "closed",
                        Map.of("name", "minute", "algorithm", "sliding-window", "limit", 4, "window", "1h"),
                        Map.of("name", "smooth", "algorithm", "gcra", "rate-per-second", 0.001, "burst", 6))
                .route("cost", upstream.uri(), "/cost/**")
                .ruleOf("costly", "cost", "header:X-API-Key", "closed",
                        Map.of("name", "bucket", "algorithm", "token-bucket", "capacity", 10, "refill-per-second", 0.001))
                .ruleProperty("cost-header", "X-Cost")
                .ruleProperty("max-cost", 5)
                // a shadow concurrency rule beside an enforced one: each shadow rule is its own group, charged
                // when its limits admit, even when the enforced rule rejects the request
                .route("shadow-slot", upstream.uri(), "/shadow-slot/**")
                .rule("gate", "shadow-slot", "header:X-API-Key", "closed", "burst", 1, 0.001)
                .ruleOf("slot-trial", "shadow-slot", "header:X-API-Key", "closed",
                        Map.of("name", "inflight", "algorithm", "concurrency", "max-in-flight", 1))
                .ruleProperty("mode", "shadow")
                // keyed by client address; the test's requests come through 127.0.0.1, a trusted proxy by default
                .route("per-ip", upstream.uri(), "/per-ip/**")
                .rule("per-ip", "per-ip", "ip", "closed", "burst", 2, 0.001)
                // only POSTs to /login/submit: the rest of the route is not limited
                .route("login", upstream.uri(), "/login/**")
                .rule("login-posts", "login", "header:X-API-Key", "closed", "burst", 2, 0.001)
                .ruleProperty("paths[0]", "/login/submit")
                .ruleProperty("methods[0]", "post")
                .redis(redis.uri());
        gatewayA = GatewayInstance.start(rules.properties());
        gatewayB = GatewayInstance.start(rules.properties());
        http = new HttpProbe();
    }

    @AfterAll
    static void stop() {
        Closing.all(http, gatewayA, gatewayB, upstream, redis);
    }

    @AfterEach
    void letHeldRequestsGo() {
        upstream.releaseHeld();
    }

    @Test
    void mixedRuleIsDecidedAllOrNothingInOneRedisCallPerRequest() {
        String key = "mixed-1";
        long evalshaBefore = RedisStats.evalshaCalls(redis.sync());
        long decidedBefore = HttpProbe.decidedInRedis(gatewayA) + HttpProbe.decidedInRedis(gatewayB);
        long callsBefore = HttpProbe.scriptCalls(gatewayA) + HttpProbe.scriptCalls(gatewayB);
        upstream.hold();
        // five in flight: the concurrency limit is full, GCRA and the hourly window have room
        List<Disposable> inFlight = new ArrayList<>();
        List<Response> firstFive = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inFlight.add(http.get(url(i % 2 == 0 ? gatewayA : gatewayB, "/mixed/x"), Map.of("X-API-Key", key))
                    .subscribe(firstFive::add));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> upstream.waiting() == 5);
        String tatBefore = redis.sync().get("lg:{mixed:" + key + "}:smooth:gcra");

        Response sixth = http.getNow(url(gatewayB, "/mixed/x"), Map.of("X-API-Key", key));

        assertThat(sixth.status()).isEqualTo(429);
        assertThat(violated(sixth)).containsExactly("inflight");
        assertThat(sixth.header("RateLimit-Policy")).isEqualTo("\"inflight\";q=5;qu=\"concurrent-requests\"");
        assertThat(sixth.header("Retry-After")).isEqualTo("1");
        // nothing was charged for the rejected request: neither the GCRA nor the hourly window
        assertThat(redis.sync().get("lg:{mixed:" + key + "}:smooth:gcra")).isEqualTo(tatBefore);
        assertThat(redis.sync().hget("lg:{mixed:" + key + "}:hourly:fixed-window", "c")).isEqualTo("5");
        assertThat(redis.sync().zcard("lg:{mixed:" + key + "}:inflight:concurrency")).isEqualTo(5);

        upstream.releaseHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> firstFive.size() == 5);
        assertThat(firstFive).extracting(Response::status).containsOnly(200);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> redis.sync().zcard("lg:{mixed:" + key + "}:inflight:concurrency") == 0);

        // two more fit the hourly window (7), the eighth does not: rejected by "hourly" alone
        assertThat(http.getNow(url(gatewayA, "/mixed/x"), Map.of("X-API-Key", key)).status()).isEqualTo(200);
        assertThat(http.getNow(url(gatewayB, "/mixed/x"), Map.of("X-API-Key", key)).status()).isEqualTo(200);
        String tatAfterSeven = redis.sync().get("lg:{mixed:" + key + "}:smooth:gcra");
        Response eighth = http.getNow(url(gatewayA, "/mixed/x"), Map.of("X-API-Key", key));
        assertThat(eighth.status()).isEqualTo(429);
        assertThat(violated(eighth)).containsExactly("hourly");
        assertThat(eighth.header("RateLimit-Policy")).startsWith("\"hourly\";q=7;w=3600");
        long retryAfter = Long.parseLong(eighth.header("Retry-After"));
        assertThat(retryAfter).as("seconds to the end of the hour").isBetween(1L, 3600L);
        assertThat(redis.sync().get("lg:{mixed:" + key + "}:smooth:gcra")).isEqualTo(tatAfterSeven);
        assertThat(redis.sync().zcard("lg:{mixed:" + key + "}:inflight:concurrency")).as("no slot for a rejection").isZero();
        assertThat(redis.sync().hget("lg:{mixed:" + key + "}:hourly:fixed-window", "c")).isEqualTo("7");

        // Every request decided in Redis once, all three limits in one script call: never a call per limit.
        // Two of the first five on one gateway may share a call (batching), so up to 9 calls, not exactly 9.
        long decided = HttpProbe.decidedInRedis(gatewayA) + HttpProbe.decidedInRedis(gatewayB) - decidedBefore;
        long calls = HttpProbe.scriptCalls(gatewayA) + HttpProbe.scriptCalls(gatewayB) - callsBefore;
        assertThat(decided).as("requests decided in Redis").isEqualTo(9);
        assertThat(RedisStats.evalshaCalls(redis.sync()) - evalshaBefore)
                .as("EVALSHA calls: the gateways' script calls, at most one per request").isEqualTo(calls).isLessThanOrEqualTo(9);
        inFlight.forEach(Disposable::dispose);
    }

    @Test
    void concurrencySlotsComeBackWhenResponsesCompleteOrAreCancelled() {
        String key = "conc-1";
        String slots = "lg:{conc:" + key + "}:inflight:concurrency";
        upstream.hold();
        List<Response> done = new ArrayList<>();
        http.get(url(gatewayA, "/conc/a"), Map.of("X-API-Key", key)).subscribe(done::add);
        Disposable cancelled = http.get(url(gatewayB, "/conc/b"), Map.of("X-API-Key", key)).subscribe(done::add);
        await().atMost(Duration.ofSeconds(20)).until(() -> upstream.waiting() == 2);
        Response third = http.getNow(url(gatewayA, "/conc/c"), Map.of("X-API-Key", key));
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.header("RateLimit-Policy")).isEqualTo("\"inflight\";q=2;qu=\"concurrent-requests\"");
        assertThat(third.header("RateLimit")).isEqualTo("\"inflight\";r=0;t=0");

        // the client gives up on one request: the gateway sees the cancel and gives its slot back
        cancelled.dispose();
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.sync().zcard(slots) == 1);
        http.get(url(gatewayB, "/conc/d"), Map.of("X-API-Key", key)).subscribe(done::add);
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.sync().zcard(slots) == 2);

        // both complete: both slots come back
        upstream.releaseHeld();
        await().atMost(Duration.ofSeconds(20)).until(() -> done.size() == 2);
        assertThat(done).extracting(Response::status).containsOnly(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.sync().zcard(slots) == 0);
        Response after = http.getNow(url(gatewayA, "/conc/e"), Map.of("X-API-Key", key));
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.header("RateLimit")).isEqualTo("\"inflight\";r=1;t=0");
    }

    @Test
    void concurrencySlotsComeBackWhenTheUpstreamFails() {
        String key = "dead-1";
        for (int i = 0; i < 4; i++) {
            Response response = http.getNow(url(i % 2 == 0 ? gatewayA : gatewayB, "/dead/x"), Map.of("X-API-Key", key));
            assertThat(response.status()).as("attempt %d: an upstream error, not 429 (the slot came back)", i)
                    .isGreaterThanOrEqualTo(500);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> redis.sync().zcard("lg:{dead:" + key + "}:inflight:concurrency") == 0);
        }
    }

    @Test
    void aLeaseNobodyReleasesExpires() {
        String key = "lease-1";
        String slots = "lg:{lease:" + key + "}:inflight:concurrency";
        // what a gateway that crashed mid-request leaves behind: a lease until now + 6 s (Redis time)
        List<String> time = redis.sync().time();
        long nowMicros = Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
        redis.sync().zadd(slots, nowMicros + 6_000_000, "4242");
        assertThat(http.getNow(url(gatewayA, "/lease/x"), Map.of("X-API-Key", key)).status()).isEqualTo(429);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> http.getNow(url(gatewayB, "/lease/x"), Map.of("X-API-Key", key)).status() == 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.sync().zscore(slots, "4242") == null);
    }

    @Test
    void eachAlgorithmSendsItsIetfHeaders() {
        Map<String, String> key = Map.of("X-API-Key", "hdr-1");
        // GCRA 2/s, burst 4: a full burst recovers in 2 s; one unit comes back every 0.5 s
        Response gcra = http.getNow(url(gatewayA, "/gcra/x"), key);
        assertThat(gcra.header("RateLimit-Policy")).isEqualTo("\"smooth\";q=4;w=2");
        assertThat(gcra.header("RateLimit")).isEqualTo("\"smooth\";r=3;t=1");
        // fixed window of an hour: the unit comes back at the end of the hour
        Response fixed = http.getNow(url(gatewayA, "/fixed/x"), key);
        assertThat(fixed.header("RateLimit-Policy")).isEqualTo("\"hourly\";q=3;w=3600");
        Matcher t = Pattern.compile("\"hourly\";r=2;t=(\\d+)").matcher(fixed.header("RateLimit"));
        assertThat(t.matches()).as(fixed.header("RateLimit")).isTrue();
        assertThat(Long.parseLong(t.group(1))).isBetween(1L, 3600L);
        // sliding minute: this window's count weighs on the next one, fading out by its end
        Response sliding = http.getNow(url(gatewayA, "/sliding/x"), key);
        assertThat(sliding.header("RateLimit-Policy")).isEqualTo("\"minute\";q=3;w=60");
        Matcher ts = Pattern.compile("\"minute\";r=2;t=(\\d+)").matcher(sliding.header("RateLimit"));
        assertThat(ts.matches()).as(sliding.header("RateLimit")).isTrue();
        assertThat(Long.parseLong(ts.group(1))).isBetween(61L, 120L);
    }

    @Test
    void shadowModeNeverBlocksAndReportsExactlyTheRequestsEnforceModeBlocks() {
        int before = upstream.requests();
        List<Boolean> enforcedBlocked = new ArrayList<>();
        List<Boolean> shadowBlocked = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Map<String, String> headers = Map.of("X-API-Key", "trial-1");
            Response enforced = http.getNow(url(gatewayA, "/enforced/x"), headers);
            enforcedBlocked.add(enforced.status() == 429);
            long shadowBefore = HttpProbe.decisions(gatewayB, "trial", "shadow_blocked");
            Response shadow = http.getNow(url(gatewayB, "/shadow/x"), headers);
            assertThat(shadow.status()).as("request %d through the shadow rule", i).isEqualTo(200);
            assertThat(shadow.header("RateLimit-Policy")).as("a shadow rule sends no headers").isNull();
            assertThat(shadow.header("RateLimit")).isNull();
            shadowBlocked.add(HttpProbe.decisions(gatewayB, "trial", "shadow_blocked") == shadowBefore + 1);
        }
        assertThat(enforcedBlocked).containsExactly(false, false, false, false, true, true, true, true, true, true, true,
                true);
        assertThat(shadowBlocked).as("shadow reports exactly what enforce blocked").isEqualTo(enforcedBlocked);
        assertThat(HttpProbe.decisions(gatewayB, "trial", "allowed")).isEqualTo(4);
        assertThat(HttpProbe.decisions(gatewayB, "trial", "blocked")).isZero();
        assertThat(upstream.requests() - before).as("4 enforced + 12 shadow requests reached the upstream").isEqualTo(16);
        // its counters are its own: the shadow rule charged only what it admitted, like its enforced twin
        assertThat(redis.sync().hget("lg:{trial:trial-1}:minute:sliding-window", "c"))
                .isEqualTo(redis.sync().hget("lg:{twin:trial-1}:minute:sliding-window", "c")).isEqualTo("4");
    }

    @Test
    void anIpv6ClientCannotGetMoreBucketsByChangingItsAddressWithinItsSlash64() {
        List<Integer> statuses = new ArrayList<>();
        for (String client : List.of("2001:db8:1:2::a", "2001:db8:1:2:ffff::b", "[2001:db8:1:2::c]:4711", "2001:db8:1:3::a")) {
            statuses.add(http.getNow(url(gatewayA, "/per-ip/x"), Map.of("X-Forwarded-For", client)).status());
        }
        assertThat(statuses).containsExactly(200, 200, 429, 200);
        assertThat(redis.sync().keys("lg:{per-ip:*")).containsExactlyInAnyOrder(
                "lg:{per-ip:2001:db8:1:2:0:0:0:0/64}:burst:token-bucket",
                "lg:{per-ip:2001:db8:1:3:0:0:0:0/64}:burst:token-bucket");
    }

    @Test
    void theCostComesFromTheCostHeaderWithinMaxCostAndABadOneIsA400() throws IOException {
        int before = upstream.requests();
        List<String> sent = List.of("4", "", "0", "6", "abc", "-1", " 5 ", "1", "99999999999999999999");
        List<String> answers = new ArrayList<>();
        for (String cost : sent) {
            Map<String, String> headers = cost.isEmpty() ? Map.of("X-API-Key", "cost-1")
                    : Map.of("X-API-Key", "cost-1", "X-Cost", cost);
            Response response = http.getNow(url(gatewayA, "/cost/x"), headers);
            answers.add(response.status() + (response.status() == 200 ? " " + response.header("RateLimit") : ""));
            if (response.status() == 400) {
                JsonNode body = JsonMapper.shared().readTree(response.body());
                assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
                assertThat(body.get("type").asString()).isEqualTo("https://limitguard.io/problems/invalid-cost");
                assertThat(body.get("status").asInt()).isEqualTo(400);
                assertThat(body.get("rule").asString()).isEqualTo("costly");
            }
        }
        assertThat(answers).containsExactly(
                "200 \"bucket\";r=6;t=1000", // 4
                "200 \"bucket\";r=5;t=1000", // no header: the rule's cost 1
                "200 \"bucket\";r=5;t=1000", // 0: free
                "400", "400", "400",        // above max-cost 5, not a number, negative
                "200 \"bucket\";r=0;t=1000", // 5
                "429",                      // 1 more than is left
                "400");                     // too long to be a cost
        // two cost headers: the upstream may read either, so neither is taken
        assertThat(RawHttp.status(gatewayA.port(), "GET /cost/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: cost-2\r\n"
                + "X-Cost: 0\r\nX-Cost: 10\r\nConnection: close\r\n\r\n")).isEqualTo(400);
        assertThat(upstream.requests() - before).as("neither 400s nor the 429 reached the upstream").isEqualTo(4);
        assertThat(HttpProbe.decisions(gatewayA, "costly", "invalid_cost")).isEqualTo(5);
    }

    @Test
    void aShadowSlotTakenByARequestTheEnforcedRuleRejectsComesBackWhenThe429Ends() {
        Map<String, String> key = Map.of("X-API-Key", "slot-1");
        String shadowSlots = "lg:{slot-trial:slot-1}:inflight:concurrency";

        assertThat(http.getNow(url(gatewayA, "/shadow-slot/x"), key).status()).isEqualTo(200);
        awaitReleased(shadowSlots, "slot of the forwarded request");

        Response rejected = http.getNow(url(gatewayA, "/shadow-slot/x"), key);
        assertThat(rejected.status()).as("the enforced bucket (capacity 1) is empty").isEqualTo(429);
        // the shadow rule admitted the rejected request and took a slot: it must come back when the 429
        // ends, not after its 60 s lease
        awaitReleased(shadowSlots, "slot of the rejected request");

        long blockedBefore = HttpProbe.decisions(gatewayA, "slot-trial", "shadow_blocked");
        http.getNow(url(gatewayA, "/shadow-slot/x"), key);
        assertThat(HttpProbe.decisions(gatewayA, "slot-trial", "shadow_blocked") - blockedBefore)
                .as("nothing of slot-1 in flight: the shadow concurrency limit must not report a block").isZero();
    }

    /** The release is sent when the response ends and nobody waits for it: it lands within moments. */
    @Test
    void aRuleWithPathsAndMethodsDecidesOnlyThoseRequestsHoweverThePathIsSpelt() throws IOException {
        Map<String, String> key = Map.of("X-API-Key", "login-1");
        for (int i = 0; i < 3; i++) {
            Response get = http.getNow(url(gatewayA, "/login/submit"), key);
            Response otherPath = http.request("POST", url(gatewayB, "/login/other"), key, "").block(Duration.ofSeconds(30));
            for (Response notLimited : List.of(get, otherPath)) {
                assertThat(notLimited.status()).isEqualTo(200);
                assertThat(notLimited.header("RateLimit")).isNull();
            }
        }
        List<Integer> posts = new ArrayList<>();
        for (GatewayInstance gateway : List.of(gatewayA, gatewayB, gatewayA)) {
            Response post = http.request("POST", url(gateway, "/login/submit"), key, "").block(Duration.ofSeconds(30));
            posts.add(post.status());
            assertThat(post.header("RateLimit-Policy")).isEqualTo("\"burst\";q=2;w=2000");
        }
        assertThat(posts).containsExactly(200, 200, 429);
        // the bucket is empty: the spellings an upstream may read as /login/submit are limited as well
        int upstreamBefore = upstream.requests();
        for (String spelling : List.of("POST /login//submit", "POST /login/%73ubmit", "POST /login/submit/",
                "POST /login/submit;a=1", "POST /login/submit%2F", "POST /login/submit%5C", "post /login/submit")) {
            assertThat(RawHttp.status(gatewayB.port(), spelling + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "X-API-Key: login-1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")).as(spelling).isEqualTo(429);
        }
        // and a dot segment, which the route's filters could move past the rule's path (StripPrefix), is refused
        for (String spelling : List.of("/login/./submit", "/login/x/../submit", "/login/%2e%2e/login/submit",
                "/login/..%2Flogin/submit", "/login/x/..;a=1/submit")) {
            assertThat(RawHttp.status(gatewayB.port(), "POST " + spelling + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "X-API-Key: login-2\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")).as(spelling).isEqualTo(400);
        }
        RawHttp.Response refused = RawHttp.get(gatewayA.port(), "/login/x/../other");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.headers()).containsIgnoringCase("content-type: application/problem+json");
        assertThat(refused.bodyText()).contains("\"type\":\"https://limitguard.io/problems/refused-path\"", "\"route\":\"login\"",
                "\"detail\":\"The request path has a dot segment (. or .., in any spelling)");
        assertThat(upstream.requests() - upstreamBefore).as("neither the 429s nor the 400s reached the upstream").isZero();
        assertThat(HttpProbe.decisions(gatewayA, "login-posts", "allowed") + HttpProbe.decisions(gatewayB, "login-posts", "allowed"))
                .isEqualTo(2);
    }

    private static void awaitReleased(String slots, String what) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertThat(redis.sync().zcard(slots)).as(what + " released").isZero());
    }

    private static List<String> violated(Response response) {
        JsonNode body = JsonMapper.shared().readTree(response.body());
        List<String> names = new ArrayList<>();
        body.get("violatedPolicies").forEach(policy -> names.add(policy.get("policy").asString()));
        return names;
    }

    private static String url(GatewayInstance gateway, String path) {
        return gateway.baseUrl() + path;
    }
}
