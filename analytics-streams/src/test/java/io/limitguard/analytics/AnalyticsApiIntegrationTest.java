package io.limitguard.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.analytics.config.AnalyticsConfiguration;
import io.limitguard.analytics.query.BlockRate;
import io.limitguard.analytics.query.BlockedKey;
import io.limitguard.analytics.query.TopBlocked;
import io.limitguard.analytics.query.WindowCounts;
import io.limitguard.analytics.topology.Step;
import io.limitguard.events.DecisionEvent;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.Outcome;
import io.limitguard.events.OutcomeCounts;
import io.limitguard.events.Topics;
import io.limitguard.server.ConnectionCap;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.KafkaFixture;
import io.limitguard.testsupport.RawHttp;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** One instance against a real broker: the API returns exactly the counts of the decisions produced. */
class AnalyticsApiIntegrationTest {

    static KafkaFixture kafka;
    static AnalyticsInstance app;
    static WebTestClient http;
    static List<DecisionEvent> produced = new ArrayList<>();
    /** Five minutes ago, on a minute boundary: inside every retention. */
    static long base;

    @TempDir
    static Path stateDir;

    @BeforeAll
    static void start() {
        kafka = KafkaFixture.start();
        // One partition: this small data set spans two minutes of event time, produced at once. With several
        // partitions, tasks would interleave it out of event-time order by more than the grace period.
        // A 1 s write timeout, so the test of a client that does not read is short; every other client reads.
        app = AnalyticsInstance.start(kafka.bootstrapServers(), "api-it", stateDir,
                Map.of("limitguard.analytics.topic-partitions", "1", "limitguard.analytics.write-timeout", "1s"));
        http = app.http();
        base = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(5)).toEpochMilli();
        // shop: two rules; api: one of them; decisions across seconds and minutes, in time order.
        add(5, "shop", "per-ip", "alice", Outcome.ALLOWED, base + 100);
        add(3, "shop", "per-ip", "alice", Outcome.BLOCKED, base + 900);
        add(1, "shop", "per-key", "bob", Outcome.BLOCKED, base + 1_500);
        add(2, "shop", "per-key", "bob", Outcome.SHADOW_BLOCKED, base + 1_999);
        add(1, "api", "per-ip", "carol", Outcome.FAILED_OPEN, base + 2_000);
        add(4, "api", "per-ip", "dave", Outcome.LOCAL_BLOCKED, base + 30_000);
        add(2, "shop", "per-ip", "erin", Outcome.FAILED_CLOSED, base + 61_000);
        add(1, "shop", "per-ip", "erin", Outcome.LOCAL_ALLOWED, base + 119_999);
        Decisions.produce(kafka.bootstrapServers(), produced);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(totalOf("route=shop", Step.HOUR)).isEqualTo(produced.stream().filter(e -> e.routeId().equals("shop")).count()));
    }

    private static void add(int n, String route, String rule, String key, Outcome outcome, long ts) {
        for (int i = 0; i < n; i++) {
            produced.add(Decisions.event(route, rule, key, outcome, ts));
        }
    }

    @AfterAll
    static void stop() {
        Closing.all(app, kafka);
    }

    private static String iso(long ms) {
        return Instant.ofEpochMilli(ms).toString();
    }

    private static BlockRate blockRate(String who, Step step, long from, long to) {
        return http.get().uri("/api/v1/block-rate?" + who + "&step=" + step.label() + "&from=" + iso(from) + "&to=" + iso(to))
                .exchange().expectStatus().isOk().expectBody(BlockRate.class).returnResult().getResponseBody();
    }

    private static long totalOf(String who, Step step) {
        long hour = Step.HOUR.windowStart(base);
        return blockRate(who, step, hour, hour + 2 * 3_600_000L).windows().stream().mapToLong(WindowCounts::total).sum();
    }

    /** Expected answer, built from the produced decisions (zeros for windows without any). */
    private static List<WindowCounts> expectedWindows(String storeKey, Step step, long from, long to) {
        Map<Long, OutcomeCounts> expected = Decisions.expected(produced, step).getOrDefault(storeKey, Map.of());
        List<WindowCounts> out = new ArrayList<>();
        long size = step.size().toMillis();
        for (long start = from; start < to; start += size) {
            out.add(WindowCounts.of(start, start + size, expected.getOrDefault(start, OutcomeCounts.ZERO)));
        }
        return out;
    }

    @Test
    void blockRatePerRouteAndPerRuleEqualsTheDecisionsProducedInEveryWindowSize() {
        for (String who : List.of("route=shop", "route=api", "rule=per-ip", "rule=per-key")) {
            String storeKey = who.replace('=', ':');
            long hour = Step.HOUR.windowStart(base);
            Map<Step, long[]> ranges = Map.of(
                    Step.SECOND, new long[] {base, base + 5_000},
                    Step.MINUTE, new long[] {base - 60_000, base + 180_000},
                    Step.HOUR, new long[] {hour, hour + 2 * 3_600_000L});
            ranges.forEach((step, range) -> {
                BlockRate answer = blockRate(who, step, range[0], range[1]);
                assertThat(answer.dimension()).isEqualTo(who.substring(0, who.indexOf('=')));
                assertThat(answer.id()).isEqualTo(who.substring(who.indexOf('=') + 1));
                assertThat(answer.step()).isEqualTo(step.label());
                assertThat(answer.windows()).as(who + " " + step.label())
                        .isEqualTo(expectedWindows(storeKey, step, range[0], range[1]));
            });
        }
        // Spot check against hand-counted numbers: shop's first second holds 5 allowed + 3 blocked.
        WindowCounts first = blockRate("route=shop", Step.SECOND, base, base + 1_000).windows().get(0);
        assertThat(first).isEqualTo(new WindowCounts(iso(base), iso(base + 1_000), 5, 3, 0, 0, 0, 0, 0, 8, 3.0 / 8));
    }

    @Test
    void responseHasTheContractShapeAndEmptyWindowsArePresentWithZeros() {
        // An unaligned range: windows whose START is in [from, to) -> starts base+1s, base+2s, base+3s.
        http.get().uri("/api/v1/block-rate?route=shop&step=1s&from=" + iso(base + 500) + "&to=" + iso(base + 3_500))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.dimension").isEqualTo("route")
                .jsonPath("$.id").isEqualTo("shop")
                .jsonPath("$.step").isEqualTo("1s")
                .jsonPath("$.from").isEqualTo(iso(base + 500))
                .jsonPath("$.to").isEqualTo(iso(base + 3_500))
                .jsonPath("$.windows.length()").isEqualTo(3)
                .jsonPath("$.windows[0].start").isEqualTo(iso(base + 1_000))
                .jsonPath("$.windows[0].end").isEqualTo(iso(base + 2_000))
                .jsonPath("$.windows[0].blocked").isEqualTo(1)
                .jsonPath("$.windows[0].shadowBlocked").isEqualTo(2)
                .jsonPath("$.windows[0].total").isEqualTo(3)
                .jsonPath("$.windows[0].blockRate").isEqualTo(1.0 / 3)
                .jsonPath("$.windows[1].start").isEqualTo(iso(base + 2_000))
                .jsonPath("$.windows[1].total").isEqualTo(0)
                .jsonPath("$.windows[1].blockRate").isEqualTo(0.0)
                .jsonPath("$.windows[2].allowed").isEqualTo(0)
                .jsonPath("$.windows[2].failedOpen").isEqualTo(0)
                .jsonPath("$.windows[2].failedClosed").isEqualTo(0)
                .jsonPath("$.windows[2].localAllowed").isEqualTo(0)
                .jsonPath("$.windows[2].localBlocked").isEqualTo(0);
        // A route nobody used: all zeros, not an error.
        BlockRate none = blockRate("route=nobody", Step.MINUTE, base, base + 180_000);
        assertThat(none.windows()).hasSize(3).allSatisfy(w -> assertThat(w.total()).isZero());
    }

    @Test
    void topBlockedListsBlockedKeysInOrderWithExactCounts() {
        TopBlocked top = http.get().uri("/api/v1/top-blocked?from=" + iso(base) + "&to=" + iso(base + 180_000) + "&limit=10")
                .exchange().expectStatus().isOk().expectBody(TopBlocked.class).returnResult().getResponseBody();
        List<BlockedKey> expected = Decisions.blocked(produced).entrySet().stream()
                .map(e -> new BlockedKey(e.getKey(), e.getValue())).sorted(BlockedKey.ORDER).toList();
        assertThat(expected).extracting(BlockedKey::key).containsExactly("dave", "alice", "erin", "bob");
        assertThat(top.keys()).isEqualTo(expected);
        assertThat(top.limit()).isEqualTo(10);

        TopBlocked top2 = http.get().uri("/api/v1/top-blocked?from=" + iso(base) + "&to=" + iso(base + 180_000) + "&limit=2")
                .exchange().expectStatus().isOk().expectBody(TopBlocked.class).returnResult().getResponseBody();
        assertThat(top2.keys()).isEqualTo(expected.subList(0, 2));
        // The second minute only: erin's two FAILED_CLOSED.
        TopBlocked minute2 = http.get().uri("/api/v1/top-blocked?from=" + iso(base + 60_000) + "&to=" + iso(base + 120_000))
                .exchange().expectStatus().isOk().expectBody(TopBlocked.class).returnResult().getResponseBody();
        assertThat(minute2.keys()).containsExactly(new BlockedKey("erin", 2));
        assertThat(minute2.limit()).isEqualTo(10);
    }

    @Test
    void everyBadInputIsA400ProblemNamingTheParameter() {
        String from = iso(base);
        String to = iso(base + 60_000);
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("/api/v1/block-rate?step=1m&from=" + from + "&to=" + to, "route or rule is required");
        cases.put("/api/v1/block-rate?route=a&rule=b&step=1m&from=" + from + "&to=" + to, "either route or rule");
        cases.put("/api/v1/block-rate?route=a&from=" + from + "&to=" + to, "step is required");
        cases.put("/api/v1/block-rate?route=a&step=5m&from=" + from + "&to=" + to, "unknown step '5m'");
        cases.put("/api/v1/block-rate?route=a&step=1m&to=" + to, "from is required");
        cases.put("/api/v1/block-rate?route=a&step=1m&from=" + from, "to is required");
        cases.put("/api/v1/block-rate?route=a&step=1m&from=yesterday&to=" + to, "from is not an ISO-8601 instant");
        cases.put("/api/v1/block-rate?route=a&step=1m&from=" + from + "&to=2026-13-01T00:00:00Z", "to is not an ISO-8601 instant");
        cases.put("/api/v1/block-rate?route=a&step=1m&from=" + to + "&to=" + from, "from must be before to");
        cases.put("/api/v1/block-rate?route=a&step=1m&from=" + from + "&to=" + from, "from must be before to");
        cases.put("/api/v1/block-rate?route=a&step=1s&from=" + iso(base - 2 * 3_600_000L) + "&to=" + to,
                "from is beyond the retention of 1s windows");
        cases.put("/api/v1/block-rate?route=a&step=1h&from=" + iso(base - 100L * 24 * 3_600_000L) + "&to=" + to,
                "from is beyond the retention of 1h windows");
        cases.put("/api/v1/block-rate?route=a&step=1s&from=" + from + "&to=" + iso(base + 365L * 24 * 3_600_000L), "at most 20000");
        cases.put("/api/v1/block-rate?route=a&route=b&step=1m&from=" + from + "&to=" + to, "route is given 2 times");
        cases.put("/api/v1/top-blocked?to=" + to, "from is required");
        cases.put("/api/v1/top-blocked?from=" + from + "&to=" + to + "&limit=5&limit=6", "limit is given 2 times");
        cases.put("/api/v1/top-blocked?from=" + iso(base - 8L * 24 * 3_600_000L) + "&to=" + to,
                "from is beyond the retention of 1m windows");
        cases.put("/api/v1/top-blocked?from=" + from + "&to=" + to + "&limit=0", "limit must be an integer in 1..1000");
        cases.put("/api/v1/top-blocked?from=" + from + "&to=" + to + "&limit=1001", "limit must be an integer in 1..1000");
        cases.put("/api/v1/top-blocked?from=" + from + "&to=" + to + "&limit=ten", "limit must be an integer in 1..1000");
        cases.forEach((uri, detail) -> http.get().uri(uri).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("about:blank")
                .jsonPath("$.title").isEqualTo("Bad Request")
                .jsonPath("$.status").isEqualTo(400)
                .jsonPath("$.detail").value(d -> assertThat((String) d).as(uri).contains(detail))
                .jsonPath("$.instance").value(i -> assertThat((String) i).isEqualTo(uri.substring(0, uri.indexOf('?')))));

        http.get().uri("/api/v1/nothing-here").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(404);
    }

    @Test
    void peerEndpointsAnswerA400NamingTheParameterForWhatNoPeerWouldSend() {
        // What a peer sends: this instance hosts the one partition (the test's topics have one).
        String minute = "/internal/v1/windows?step=1m&key=route:shop&partition=0&from=" + (base - 60_000) + "&to=" + (base + 60_000);
        http.get().uri(minute).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.length()").isEqualTo(2); // base and base + 1 min; base - 1 min is empty
        http.get().uri("/internal/v1/blocked-keys?partitions=0&from=" + base + "&to=" + (base + 120_000)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(4);

        Map<String, String[]> cases = new java.util.LinkedHashMap<>();
        String windows = "/internal/v1/windows?step=1s&key=route:shop&";
        cases.put(windows + "partition=0&from=-9223372036854775808&to=9223372036854775807", new String[] {"from", "from must be an epoch-ms time >= 0"});
        cases.put(windows + "partition=0&from=-1&to=0", new String[] {"from", "from must be an epoch-ms time >= 0"});
        cases.put(windows + "partition=0&from=2000&to=1000", new String[] {"to", "must not be before from"});
        cases.put(windows + "partition=-1&from=0&to=1000", new String[] {"partition", "partition must be >= 0"});
        cases.put(windows + "partition=1&from=0&to=1000", new String[] {"partition", "partition 1 does not exist: the stores have 1 partition(s)"});
        cases.put(windows + "partition=99&from=0&to=1000", new String[] {"partition", "partition 99 does not exist"});
        String keys = "/internal/v1/blocked-keys?";
        cases.put(keys + "partitions=0,,1&from=0&to=9223372036854775807", new String[] {"partitions", "without empty elements"});
        cases.put(keys + "partitions=0,0&from=0&to=1000", new String[] {"partitions", "partition 0 is listed twice"});
        cases.put(keys + "partitions=-1&from=0&to=1000", new String[] {"partitions", "partition must be >= 0"});
        cases.put(keys + "partitions=0,7&from=0&to=1000", new String[] {"partitions", "partition 7 does not exist"});
        cases.put(keys + "partitions=0&from=-9223372036854775808&to=1000", new String[] {"from", "from must be an epoch-ms time >= 0"});
        cases.put(keys + "partitions=0&from=1000&to=999", new String[] {"to", "must not be before from"});
        cases.forEach((uri, expected) -> http.get().uri(uri).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(400)
                .jsonPath("$.parameter").isEqualTo(expected[0])
                .jsonPath("$.detail").value(d -> assertThat((String) d).as(uri).contains(expected[1])));
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAreCountedAndTheAppKeepsCounting() {
        byte[] garbage = "not json at all".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(Topics.DECISIONS, "mallory".getBytes(StandardCharsets.UTF_8), garbage));
            raw.flush();
        }
        // A good decision after the poison one, in a window of its own: it must still be counted.
        DecisionEvent after = Decisions.event("after-poison", "per-ip", "zed", Outcome.ALLOWED, base + 150_000);
        Decisions.produce(kafka.bootstrapServers(), List.of(after));

        List<ConsumerRecord<byte[], byte[]>> dead = Decisions.deadLetters(kafka.bootstrapServers());
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(garbage);
        assertThat(dead.get(0).key()).isEqualTo("mallory".getBytes(StandardCharsets.UTF_8));
        assertThat(dead.get(0).headers().lastHeader("limitguard.dlq.error")).isNotNull();
        MeterRegistry registry = app.context.getBean(MeterRegistry.class);
        assertThat(registry.counter(AnalyticsConfiguration.POISON_COUNTER).count()).isEqualTo(1.0);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(blockRate("route=after-poison", Step.MINUTE, base + 120_000, base + 180_000).windows())
                        .extracting(WindowCounts::allowed).containsExactly(1L));
        assertThat(app.streams().state().isRunningOrRebalancing()).isTrue();
    }

    @Test
    void aClientThatStopsReadingAWideAnswerIsDisconnectedAfterTheWriteTimeoutAndAReaderGetsAllOfIt() throws Exception {
        // 20,000 windows of 1 s (the most one query may ask for): a ~3.9 MB answer, encoded as one buffer.
        long from = Step.SECOND.windowStart(System.currentTimeMillis()) - 60_000;
        String wide = "/api/v1/block-rate?route=shop&step=1s&from=" + iso(from) + "&to=" + iso(from + 20_000_000L);
        // The same 4 KB receive buffer for both clients: only reading tells them apart. The stuck client asks
        // for something small first on the same connection: the timeout holds for every request of a
        // kept-alive connection, not just its first.
        try (RawHttp.StuckReader stuck = RawHttp.stuckReader(app.port, "/actuator/health", wide)) {
            // Without a write timeout the server would hold the answer (and the connection) for as long as
            // the client stays connected: this wait would time out.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(stuck::closedByServer);
            assertThat(stuck.drain()).as("bytes that reached the stuck client").isLessThan(1_000_000);
        }

        RawHttp.Response read = RawHttp.get(app.port, wide);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.body().length).isGreaterThan(3_000_000);
        assertThat(JsonSerde.MAPPER.readValue(read.body(), BlockRate.class).windows()).hasSize(20_000);
    }

    @Test
    void healthReportsKafkaStreamsState() {
        http.get().uri("/actuator/health").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.kafkaStreams.status").isEqualTo("UP")
                .jsonPath("$.components.kafkaStreams.details.state").isEqualTo("RUNNING");
    }

    /**
     * A connection that sends no request is closed after 75 s (application.yml; without it, never), on every port
     * (module server-guards). The behaviour itself: the dashboard's ClientConnectionsTest, with a short timeout.
     */
    @Test
    void connectionsThatSendNothingTimeOutAndTheirNumberIsCapped() {
        assertThat(app.context.getEnvironment().getProperty("server.netty.idle-timeout", Duration.class))
                .isEqualTo(Duration.ofSeconds(75));
        // limitguard.analytics.max-connections; its behaviour: server-guards' ConnectionCapTest
        assertThat(app.context.getBean(MeterRegistry.class).find(ConnectionCap.REFUSED)
                .tag("port", Integer.toString(app.port)).counter()).isNotNull();
    }

    /** Module server-guards: Spring Boot alone answers 500 and logs a stack trace for it. */
    @Test
    void aHealthPathBelowAnUnknownNameIs404() throws Exception {
        assertThat(RawHttp.get(app.port, "/actuator/health/nosuch/x").status()).isEqualTo(404);
        assertThat(RawHttp.get(app.port, "/actuator/health/kafkaStreams/x").status()).isEqualTo(404);
    }

}
