package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.HttpProbe.Response;
import io.limitguard.gateway.testing.OneGateway;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.testsupport.Closing;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * The local over-limit cache under a flood on one key: Redis is asked a small, bounded number of
 * times per blocking period (requests decided in Redis, counted by the gateway's
 * {@code limitguard.redis.batch.requests}: one script call may decide several), and no more is
 * admitted than the limit allows.
 */
class OverLimitCacheGatewayTest {

    private static OneGateway bed;

    @BeforeAll
    static void start() {
        bed = OneGateway.start(upstream -> new Rules()
                .route("long", upstream.uri(), "/long/**")
                .route("short", upstream.uri(), "/short/**")
                .ruleOf("long", "long", "header:X-API-Key", "closed",
                        Map.of("name", "bucket", "algorithm", "token-bucket", "capacity", 10, "refill-per-second", 0.001))
                .ruleOf("short", "short", "header:X-API-Key", "closed",
                        Map.of("name", "smooth", "algorithm", "gcra", "rate-per-second", 5, "burst", 5))
                .set("limitguard.over-limit-cache.enabled", "true"));
    }

    @AfterAll
    static void stop() {
        Closing.all(bed);
    }

    @Test
    void aFloodOnAKeyBlockedForLongReachesRedisOnlyUntilTheFirstRejectionIsKnown() {
        int concurrency = 32;
        long redisBefore = HttpProbe.decidedInRedis(bed.gateway());
        double hitsBefore = hits();
        int upstreamBefore = bed.upstream().requests();
        long started = System.nanoTime();
        List<Response> responses = Flux.range(0, 2000)
                .flatMap(i -> bed.http().get(bed.gateway().baseUrl() + "/long/x", Map.of("X-API-Key", "flood-1")), concurrency)
                .collectList().block(Duration.ofSeconds(120));
        long elapsedSeconds = (System.nanoTime() - started) / 1_000_000_000L + 1;

        assertThat(responses.stream().filter(r -> r.status() == 200).count()).isEqualTo(10);
        assertThat(responses.stream().filter(r -> r.status() == 429).count()).isEqualTo(1990);
        assertThat(bed.upstream().requests() - upstreamBefore).isEqualTo(10);
        long inRedis = HttpProbe.decidedInRedis(bed.gateway()) - redisBefore;
        // the ten admitted, the first rejection, and whatever was already on its way to Redis then
        assertThat(inRedis).as("requests decided in Redis of 2000").isBetween(11L, 11L + concurrency);
        Response cached = responses.get(responses.size() - 1);
        // one token at 0.001/s: 1000 s from the first rejection, less the time the flood took since
        assertThat(Long.parseLong(cached.header("Retry-After"))).as("a locally rejected request still says when to retry")
                .isBetween(1000L - elapsedSeconds - 1, 1000L);
        assertThat(cached.header("RateLimit")).startsWith("\"bucket\";r=0;t=");
        assertThat(hits() - hitsBefore).as("the rest were rejected by the cache").isEqualTo(2000 - inRedis);
        assertThat(HttpProbe.decisions(bed.gateway(), "long", "blocked")).isEqualTo(1990);
    }

    @Test
    void aFloodOnAKeyWithShortBlockingPeriodsAsksRedisABoundedNumberOfTimesPerPeriod() {
        int concurrency = 4;
        long redisBefore = HttpProbe.decidedInRedis(bed.gateway());
        long admittedBefore = HttpProbe.decisions(bed.gateway(), "short", "allowed");
        long startMicros = redisMicros();
        // Every request gets its answer: no retry. (Until Reactor Netty 1.3.8 a keep-alive connection
        // could stop reading after an answer decided at once, as the cache's are: reactor/reactor-netty#4361.)
        List<Response> responses = Flux.range(0, 1500)
                .flatMap(i -> bed.http().get(bed.gateway().baseUrl() + "/short/x", Map.of("X-API-Key", "flood-2"))
                        .timeout(Duration.ofSeconds(10)), concurrency)
                .collectList().block(Duration.ofSeconds(120));
        double seconds = (redisMicros() - startMicros) / 1e6;

        long admitted = HttpProbe.decisions(bed.gateway(), "short", "allowed") - admittedBefore;
        long inRedis = HttpProbe.decidedInRedis(bed.gateway()) - redisBefore;
        assertThat(responses).hasSize(1500);
        assertThat(responses.stream().filter(r -> r.status() == 200).count()).isEqualTo(admitted);
        assertThat(responses.stream().filter(r -> r.status() == 429).count()).isEqualTo(1500 - admitted);
        // no over-admission: a GCRA of burst 5 at 5/s admits at most 5 + 5 per second
        assertThat((double) admitted).as("admitted in %.2f s", seconds).isLessThanOrEqualTo(5 + 5 * seconds + 1);
        // The cache must not block for good: refills keep being used. On a loaded 2-core machine the
        // flood reaches Redis in bursts, so only one refill per second is required of the 5 per second.
        assertThat(admitted).as("the limit is still used: refills come back").isGreaterThanOrEqualTo(
                Math.min(5 + (long) seconds, 1500));
        // every blocking period ends with at most `concurrency` requests reaching Redis before the next block is known
        long periods = admitted + 1;
        assertThat(inRedis).as("requests decided in Redis of 1500, %d admitted in %.2f s", admitted, seconds)
                .isLessThanOrEqualTo(admitted + periods * concurrency);
        assertThat(inRedis).isLessThan(1500);
    }

    private static double hits() {
        var counter = bed.gateway().bean(MeterRegistry.class).find("limitguard.overlimit.cache.hits").counter();
        return counter == null ? 0 : counter.count();
    }

    private static long redisMicros() {
        List<String> time = bed.redis().sync().time();
        return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
    }
}
