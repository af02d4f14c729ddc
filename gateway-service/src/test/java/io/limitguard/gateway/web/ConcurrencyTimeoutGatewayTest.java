package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.HttpProbe.Response;
import io.limitguard.gateway.testing.RedisStats;
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
 * A decision whose script call ran past the guard's time limit is answered by the rule's failure mode,
 * but Redis still runs the script when it gets to it (docs/FAILURE_SCENARIOS.md, "A timed-out call may
 * still be applied") and takes a concurrency slot that nobody gives back: for the whole lease (60 s by
 * default) the client has one slot fewer, although the request ended long ago.
 */
class ConcurrencyTimeoutGatewayTest {

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
        gateway = GatewayInstance.start(new Rules()
                .route("ct", upstream.uri(), "/ct/**")
                .ruleOf("inflight", "ct", "header:X-API-Key", "open",
                        Map.of("name", "inflight", "algorithm", "concurrency", "max-in-flight", 2))
                .set("limitguard.redis.uri", redis.uri())
                .set("limitguard.redis.timeout", "300ms")
                .set("limitguard.redis.command-timeout", "20s")
                .properties());
        redisClient = RedisClient.create(redis.uri());
        redisConnection = redisClient.connect();
        http = new HttpProbe();
    }

    @AfterAll
    static void stop() {
        redis.thaw();
        Closing.all(http, gateway, upstream, redisConnection, redisClient, redis);
    }

    @Test
    void aSlotTakenAfterTheTimeLimitIsGivenBack() {
        Map<String, String> key = Map.of("X-API-Key", "slow-1");
        String slots = "lg:{inflight:slow-1}:inflight:concurrency";
        assertThat(http.getNow(gateway.baseUrl() + "/ct/x", key).status()).isEqualTo(200); // scripts warm
        await().atMost(Duration.ofSeconds(10)).until(() -> redisConnection.sync().zcard(slots) == 0);
        long callsBefore = RedisStats.evalshaCalls(redisConnection.sync());

        redis.freeze();
        Response slow;
        try {
            slow = http.getNow(gateway.baseUrl() + "/ct/x", key);
        } finally {
            redis.thaw();
        }
        assertThat(slow.status()).as("failed open after the 300 ms time limit").isEqualTo(200);
        assertThat(slow.header("RateLimit")).as("decided without Redis").isNull();

        // Redis runs the late script when it is thawed (and takes a slot): wait until it has, then the slot
        // must be given back within moments, not after its 60 s lease
        await().atMost(Duration.ofSeconds(10))
                .until(() -> RedisStats.evalshaCalls(redisConnection.sync()) > callsBefore);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertThat(redisConnection.sync().zcard(slots))
                        .as("the request ended, its late slot must not stay taken until the lease expires").isZero());
    }
}
