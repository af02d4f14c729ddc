package io.limitguard.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.HttpProbe.Response;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.Upstream;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RedisFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The rules admin API on two gateway instances sharing one Redis: authentication, validation like
 * start-up config (the rules in force stay on a refusal), changes made on one instance enforced by the
 * other, and a third instance started later finding the changes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminApiTest {

    private static final String TOKEN = "test-admin-token-0123456789";
    private static final Map<String, String> AUTH = Map.of("Authorization", "Bearer " + TOKEN,
            "Content-Type", "application/json");
    private static RedisFixture redis;
    private static Upstream upstream;
    private static Map<String, Object> properties;
    private static GatewayInstance gatewayA;
    private static GatewayInstance gatewayB;
    private static HttpProbe http;

    @BeforeAll
    static void start() {
        redis = RedisFixture.start();
        upstream = new Upstream();
        properties = new Rules()
                .route("adm", upstream.uri(), "/adm/**")
                .route("adm2", upstream.uri(), "/adm2/**")
                .ruleOf("startup", "adm", "header:X-API-Key", "closed",
                        Map.of("name", "bucket", "algorithm", "token-bucket", "capacity", 100, "refill-per-second", 1))
                .set("limitguard.admin.token", TOKEN)
                .redis(redis.uri())
                .properties();
        gatewayA = GatewayInstance.start(properties);
        gatewayB = GatewayInstance.start(properties);
        http = new HttpProbe();
    }

    @AfterAll
    static void stop() {
        Closing.all(http, gatewayA, gatewayB, upstream, redis);
    }

    @Test
    @Order(1)
    void withoutTheTokenEveryAdminRequestIs401() {
        for (Map<String, String> headers : List.of(Map.<String, String>of(),
                Map.of("Authorization", "Bearer wrong-token-0123456789"), Map.of("Authorization", TOKEN),
                Map.of("Authorization", "Basic " + TOKEN), Map.of("Authorization", "Bearer " + TOKEN + "x"))) {
            Response list = http.request("GET", rules(gatewayA), headers, null).block(Duration.ofSeconds(30));
            Response put = http.request("PUT", rules(gatewayA) + "/x", headers, "{}").block(Duration.ofSeconds(30));
            Response delete = http.request("DELETE", rules(gatewayA) + "/startup", headers, null)
                    .block(Duration.ofSeconds(30));
            for (Response response : List.of(list, put, delete)) {
                assertThat(response.status()).isEqualTo(401);
                assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
                assertThat(json(response).get("type").asString()).isEqualTo("https://limitguard.io/problems/unauthorized");
            }
        }
        assertThat(ids(gatewayA)).containsExactly("startup");
        // the scheme is case-insensitive (RFC 9110)
        assertThat(http.request("GET", rules(gatewayA), Map.of("Authorization", "bearer " + TOKEN), null)
                .block(Duration.ofSeconds(30)).status()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void anInvalidRuleIsRefusedNamingTheFieldAndTheRulesInForceStay() {
        Response costAboveBurst = http.request("PUT", rules(gatewayA) + "/smooth", AUTH, """
                {"routes": ["adm2"], "key": "header:X-API-Key", "cost": 3,
                 "limits": [{"name": "gcra1", "algorithm": "gcra", "rate-per-second": 1, "burst": 2}]}
                """).block(Duration.ofSeconds(30));
        assertThat(costAboveBurst.status()).isEqualTo(400);
        JsonNode problem = json(costAboveBurst);
        assertThat(costAboveBurst.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(problem.get("type").asString()).isEqualTo("https://limitguard.io/problems/invalid-rule");
        assertThat(problem.get("detail").asString())
                .isEqualTo("rule 'smooth': limits[0] 'gcra1'.burst: must be >= the rule's cost 3, was 2");

        Response badWindow = http.request("PUT", rules(gatewayA) + "/w", AUTH, """
                {"key": "ip", "limits": [{"name": "w", "algorithm": "fixed-window", "limit": 2, "window": "soon"}]}
                """).block(Duration.ofSeconds(30));
        assertThat(badWindow.status()).isEqualTo(400);
        assertThat(json(badWindow).get("detail").asString()).startsWith("limits[0].window: ");

        Response badMode = http.request("PUT", rules(gatewayA) + "/m", AUTH, """
                {"key": "ip", "mode": "shadw", "limits": [{"name": "b", "capacity": 2, "refill-per-second": 1}]}
                """).block(Duration.ofSeconds(30));
        assertThat(badMode.status()).isEqualTo(400);
        assertThat(json(badMode).get("detail").asString()).isEqualTo("mode: 'shadw' is not one of enforce, shadow");

        Response notJson = http.request("POST", rules(gatewayA), AUTH, "{oops").block(Duration.ofSeconds(30));
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(json(notJson).get("detail").asString()).startsWith("the body is not JSON");

        Response misspelt = http.request("PUT", rules(gatewayA) + "/typo", AUTH, """
                {"routes": ["adm2"], "key": "ip", "mod": "shadow",
                 "limits": [{"name": "b", "algorithm": "token-bucket", "capacity": 5, "refill-per-second": 1}]}
                """).block(Duration.ofSeconds(30));
        assertThat(misspelt.status()).isEqualTo(400);
        assertThat(json(misspelt).get("detail").asString()).isEqualTo("rule 'typo': unknown field(s) [mod]");
        // a misspelt required field fails the rule's own check too: the key is named first, not only what it left missing
        Response misspeltRequired = http.request("PUT", rules(gatewayA) + "/typo", AUTH, """
                {"routes": ["adm2"], "key": "ip",
                 "limts": [{"name": "b", "algorithm": "token-bucket", "capacity": 5, "refill-per-second": 1}]}
                """).block(Duration.ofSeconds(30));
        assertThat(misspeltRequired.status()).isEqualTo(400);
        assertThat(json(misspeltRequired).get("detail").asString())
                .isEqualTo("rule 'typo': unknown field(s) [limts]; limits: at least one limit is required");

        Response tooLarge = http.request("PUT", rules(gatewayA) + "/big", AUTH,
                "{\"key\": \"ip\", \"pad\": \"" + "x".repeat(300_000) + "\"}").block(Duration.ofSeconds(30));
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.header("Content-Type")).isEqualTo("application/problem+json");

        // thousands of limits (fits in the 256 KB body): refused before Spring's Binder (seconds for such lists,
        // on an event loop), and before a rule on which every request's script call times out can go live
        Response wide = http.request("PUT", rules(gatewayA) + "/wide", AUTH, ruleOfLimits(3000)).block(Duration.ofSeconds(30));
        assertThat(wide.status()).isEqualTo(400);
        assertThat(json(wide).get("detail").asString())
                .isEqualTo("the rule has 9002 fields, at most 1024 (16 limits and 256 routes per rule)"); // id, key, 3 per limit
        Response seventeen = http.request("PUT", rules(gatewayA) + "/wide", AUTH, ruleOfLimits(17)).block(Duration.ofSeconds(30));
        assertThat(seventeen.status()).isEqualTo(400);
        assertThat(json(seventeen).get("detail").asString()).isEqualTo("rule 'wide': limits: at most 16 per rule, was 17");

        // the limits of all rules of a route are decided in one call: they add up per route
        Response sixteen = http.request("PUT", rules(gatewayA) + "/wide-a", AUTH, ruleOfLimits(16)).block(Duration.ofSeconds(30));
        assertThat(sixteen.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> ids(gatewayA).contains("wide-a")); // applied from the store
        Response thirtyThree = http.request("PUT", rules(gatewayA) + "/wide-b", AUTH, ruleOfLimits(16)).block(Duration.ofSeconds(30));
        assertThat(thirtyThree.status()).isEqualTo(400);
        assertThat(json(thirtyThree).get("detail").asString()).isEqualTo(
                "route 'adm': rules [wide-a, wide-b, startup] put 33 limits on it; at most 32 limits may apply to one route");
        assertThat(http.request("DELETE", rules(gatewayA) + "/wide-a", AUTH, null).block(Duration.ofSeconds(30)).status())
                .isEqualTo(204);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(ids(gatewayA)).containsExactly("startup");
            assertThat(ids(gatewayB)).containsExactly("startup");
        });
    }

    private static String ruleOfLimits(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> "{\"name\": \"l" + i + "\", \"capacity\": 5, \"refill-per-second\": 1}")
                .collect(Collectors.joining(",", "{\"key\": \"ip\", \"limits\": [", "]}"));
    }

    @Test
    @Order(3)
    void aRuleAddedOnOneInstanceIsEnforcedByTheOther() {
        assertThat(http.getNow(gatewayB.baseUrl() + "/adm2/x", Map.of("X-API-Key", "k")).header("RateLimit")).isNull();
        Response added = http.request("POST", rules(gatewayA), AUTH, """
                {"id": "hourly", "routes": ["adm2"], "key": "header:X-API-Key",
                 "limits": [{"name": "hour", "algorithm": "fixed-window", "limit": 2, "window": "1h"}]}
                """).block(Duration.ofSeconds(30));
        assertThat(added.status()).isEqualTo(201);
        assertThat(json(added).get("limits").get(0).get("window").asString()).isEqualTo("1h");

        await().atMost(Duration.ofSeconds(20)).until(() -> ids(gatewayB).contains("hourly"));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            statuses.add(http.getNow(gatewayB.baseUrl() + "/adm2/x", Map.of("X-API-Key", "k2")).status());
        }
        assertThat(statuses).containsExactly(200, 200, 429);
        Response again = http.request("POST", rules(gatewayB), AUTH, """
                {"id": "hourly", "key": "ip", "limits": [{"name": "x", "capacity": 1, "refill-per-second": 1}]}
                """).block(Duration.ofSeconds(30));
        assertThat(again.status()).as("POST adds only").isEqualTo(409);
    }

    @Test
    @Order(4)
    void aStartupRuleReplacedOnOneInstanceChangesOnTheOther() {
        Response replaced = http.request("PUT", rules(gatewayB) + "/startup", AUTH, """
                {"routes": ["adm"], "key": "header:X-API-Key",
                 "limits": [{"name": "smooth", "algorithm": "gcra", "rate-per-second": 0.5, "burst": 3}]}
                """).block(Duration.ofSeconds(30));
        assertThat(replaced.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> "\"smooth\";q=3;w=6".equals(
                http.getNow(gatewayA.baseUrl() + "/adm/x", Map.of("X-API-Key", "k4")).header("RateLimit-Policy")));
    }

    @Test
    @Order(5)
    void aRuleDeletedOnOneInstanceStopsOnTheOther() {
        Response deleted = http.request("DELETE", rules(gatewayA) + "/startup", AUTH, null).block(Duration.ofSeconds(30));
        assertThat(deleted.status()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(20)).until(() -> !ids(gatewayB).contains("startup"));
        assertThat(http.getNow(gatewayB.baseUrl() + "/adm/x", Map.of("X-API-Key", "k5")).header("RateLimit")).isNull();
        assertThat(http.request("DELETE", rules(gatewayB) + "/startup", AUTH, null).block(Duration.ofSeconds(30))
                .status()).isEqualTo(404);
    }

    @Test
    @Order(7) // last: once an instance of this JVM is closed, the others were seen refusing connections
    void anInstanceStartedLaterFindsTheChanges() {
        try (GatewayInstance later = GatewayInstance.start(properties)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> ids(later).equals(List.of("hourly")));
            // the window counted on instance B is the one it finds: k2 used both units
            assertThat(http.getNow(later.baseUrl() + "/adm2/x", Map.of("X-API-Key", "k2")).status()).isEqualTo(429);
            assertThat(http.getNow(later.baseUrl() + "/adm/x", Map.of("X-API-Key", "k2")).header("RateLimit")).isNull();
        }
    }

    @Test
    @Order(6)
    void aLimitGivenAnotherAlgorithmUnderItsNameStartsAfreshForClientsWithState() {
        // route adm has no rule left (startup was deleted): a fixed window "l" counts client a1 ...
        Response added = http.request("POST", rules(gatewayA), AUTH, """
                {"id": "algo", "routes": ["adm"], "key": "header:X-API-Key",
                 "limits": [{"name": "l", "algorithm": "fixed-window", "limit": 3, "window": "1h"}]}
                """).block(Duration.ofSeconds(30));
        assertThat(added.status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(20)).until(() -> "\"l\";q=3;w=3600".equals(
                http.getNow(gatewayB.baseUrl() + "/adm/x", Map.of("X-API-Key", "a1")).header("RateLimit-Policy")));

        // ... then "l" becomes a token bucket: a1's window (a hash in Redis) must not be met by the bucket
        Response replaced = http.request("PUT", rules(gatewayA) + "/algo", AUTH, """
                {"routes": ["adm"], "key": "header:X-API-Key",
                 "limits": [{"name": "l", "algorithm": "token-bucket", "capacity": 5, "refill-per-second": 0.001}]}
                """).block(Duration.ofSeconds(30));
        assertThat(replaced.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> "\"l\";q=5;w=5000".equals(
                http.getNow(gatewayB.baseUrl() + "/adm/x", Map.of("X-API-Key", "fresh")).header("RateLimit-Policy")));
        Response a1 = http.getNow(gatewayB.baseUrl() + "/adm/x", Map.of("X-API-Key", "a1"));
        assertThat(a1.status()).isEqualTo(200);
        assertThat(a1.header("RateLimit")).as("decided by the new bucket in Redis, not failed open on the old state")
                .startsWith("\"l\";r=4;");

        assertThat(http.request("DELETE", rules(gatewayA) + "/algo", AUTH, null).block(Duration.ofSeconds(30)).status())
                .isEqualTo(204);
        await().atMost(Duration.ofSeconds(20)).until(() -> !ids(gatewayB).contains("algo"));
    }

    private static List<String> ids(GatewayInstance gateway) {
        Response list = http.request("GET", rules(gateway), AUTH, null).block(Duration.ofSeconds(30));
        assertThat(list.status()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        json(list).forEach(rule -> ids.add(rule.get("id").asString()));
        return ids;
    }

    private static String rules(GatewayInstance gateway) {
        return gateway.baseUrl() + "/limitguard/admin/rules";
    }

    private static JsonNode json(Response response) {
        return JsonMapper.shared().readTree(response.body());
    }
}
