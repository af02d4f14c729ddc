package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
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
 * A shadow rule with a concurrency limit next to an enforced rule: the shadow group is charged on its
 * own (its own all-or-nothing group) even when the enforced rule answers 429, so its slot must be given
 * back when that 429 response ends, as it is when the request is forwarded.
 */
class ShadowSlotGatewayTest {

    private static RedisFixture redis;
    private static Upstream upstream;
    private static GatewayInstance gateway;
    private static RedisClient redisClient;
    private static StatefulRedisConnection<String, String> redisConnection;
    private static HttpProbe http;

    @BeforeAll
    static void start() {
        redis = RedisFixture.start();
        upstream = new Upstream();
        Rules rules = new Rules()
                .route("sc", upstream.uri(), "/sc/**")
                .rule("gate", "sc", "header:X-API-Key", "closed", "burst", 1, 0.001)
                .ruleOf("trial", "sc", "header:X-API-Key", "closed",
                        Map.of("name", "inflight", "algorithm", "concurrency", "max-in-flight", 1))
                .ruleProperty("mode", "shadow")
                .set("limitguard.redis.uri", redis.uri())
                .set("limitguard.redis.timeout", "10s")
                .set("limitguard.redis.command-timeout", "20s");
        gateway = GatewayInstance.start(rules.properties());
        redisClient = RedisClient.create(redis.uri());
        redisConnection = redisClient.connect();
        http = new HttpProbe();
    }

    @AfterAll
    static void stop() {
        Closing.all(http, gateway, upstream, redisConnection, redisClient, redis);
    }

    @Test
    void aShadowSlotTakenByARequestTheEnforcedRuleRejectsComesBack() {
        Map<String, String> key = Map.of("X-API-Key", "c1");
        String shadowSlots = "lg:{trial:c1}:inflight:concurrency";

        Response first = http.getNow(gateway.baseUrl() + "/sc/x", key);
        assertThat(first.status()).isEqualTo(200);
        awaitReleased(shadowSlots, "slot of the forwarded request");

        Response second = http.getNow(gateway.baseUrl() + "/sc/x", key);
        assertThat(second.status()).as("the enforced bucket (capacity 1) is empty").isEqualTo(429);
        // the shadow rule admitted the rejected request and took a slot (its own group): it must come back
        // when the 429 ends, not after its 60 s lease
        awaitReleased(shadowSlots, "slot of the rejected request");

        // what the user sees otherwise: the shadow rule reports the next request as over its concurrency limit
        long blockedBefore = HttpProbe.decisions(gateway, "trial", "shadow_blocked");
        http.getNow(gateway.baseUrl() + "/sc/x", key);
        assertThat(HttpProbe.decisions(gateway, "trial", "shadow_blocked") - blockedBefore)
                .as("no request of c1 in flight: the shadow concurrency limit must not report a block").isZero();
    }

    /** The release is sent when the response ends and nobody waits for it: it lands within moments (lease: 60 s). */
    private static void awaitReleased(String slots, String what) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertThat(redisConnection.sync().zcard(slots)).as(what + " released").isZero());
    }
}
