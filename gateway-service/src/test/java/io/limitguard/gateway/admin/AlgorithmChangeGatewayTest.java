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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A limit whose algorithm is changed through the admin API under the same name: the clients that
 * were counted under the old algorithm must be decided by the new one, not fail for as long as their
 * old state lives (WRONGTYPE: the Redis key is lg:{rule:key}:name whatever the algorithm).
 */
class AlgorithmChangeGatewayTest {

    private static final String TOKEN = "test-admin-token-0123456789";
    private static final Map<String, String> AUTH = Map.of("Authorization", "Bearer " + TOKEN,
            "Content-Type", "application/json");
    private static RedisFixture redis;
    private static Upstream upstream;
    private static GatewayInstance gateway;
    private static HttpProbe http;

    @BeforeAll
    static void start() {
        redis = RedisFixture.start();
        upstream = new Upstream();
        gateway = GatewayInstance.start(new Rules()
                .route("alg", upstream.uri(), "/alg/**")
                .ruleOf("api", "alg", "header:X-API-Key", "closed",
                        Map.of("name", "main", "algorithm", "token-bucket", "capacity", 10, "refill-per-second", 0.01))
                .set("limitguard.admin.token", TOKEN)
                .set("limitguard.redis.uri", redis.uri())
                .set("limitguard.redis.timeout", "10s")
                .set("limitguard.redis.command-timeout", "20s")
                .properties());
        http = new HttpProbe();
    }

    @AfterAll
    static void stop() {
        Closing.all(http, gateway, upstream, redis);
    }

    @Test
    void aClientCountedBeforeTheChangeIsDecidedByTheNewAlgorithm() {
        Map<String, String> known = Map.of("X-API-Key", "known");
        assertThat(http.getNow(gateway.baseUrl() + "/alg/x", known).status()).isEqualTo(200);

        Response replaced = http.request("PUT", gateway.baseUrl() + "/limitguard/admin/rules/api", AUTH, """
                {"routes": ["alg"], "key": "header:X-API-Key", "on-failure": "closed",
                 "limits": [{"name": "main", "algorithm": "fixed-window", "limit": 10, "window": "1h"}]}
                """).block(Duration.ofSeconds(30));
        assertThat(replaced.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> "\"main\";q=10;w=3600".equals(
                http.getNow(gateway.baseUrl() + "/alg/x", Map.of("X-API-Key", "fresh")).header("RateLimit-Policy")));

        Response after = http.getNow(gateway.baseUrl() + "/alg/x", known);
        assertThat(after.status()).as("a client the token bucket counted, %s", after.body()).isEqualTo(200);
    }
}
