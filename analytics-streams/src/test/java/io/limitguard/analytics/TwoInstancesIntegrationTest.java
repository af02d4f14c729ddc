package io.limitguard.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.analytics.query.BlockRate;
import io.limitguard.analytics.query.BlockedKey;
import io.limitguard.analytics.query.TopBlocked;
import io.limitguard.analytics.query.WindowCounts;
import io.limitguard.analytics.topology.AnalyticsTopology;
import io.limitguard.analytics.topology.Step;
import io.limitguard.events.DecisionEvent;
import io.limitguard.events.Outcome;
import io.limitguard.events.OutcomeCounts;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.KafkaFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of the app (two Spring contexts, own ports and state dirs, one application id)
 * share a two-partition topic: each hosts part of the state, and a query to either returns the
 * same, complete answer. Then one leaves, and the other still answers completely.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesIntegrationTest {

    static final int ROUTES = 12;
    static KafkaFixture kafka;
    static AnalyticsInstance a;
    static AnalyticsInstance b;
    static final List<DecisionEvent> produced = new ArrayList<>();
    static long base;

    @TempDir
    static Path stateA;
    @TempDir
    static Path stateB;

    @BeforeAll
    static void start() {
        kafka = KafkaFixture.start();
        Map<String, String> twoPartitions = Map.of("limitguard.analytics.topic-partitions", "2");
        a = AnalyticsInstance.start(kafka.bootstrapServers(), "two-it", stateA, twoPartitions);
        b = AnalyticsInstance.start(kafka.bootstrapServers(), "two-it", stateB, twoPartitions);
        await().atMost(Duration.ofSeconds(60)).until(() -> hasActiveTasks(a.streams()) && hasActiveTasks(b.streams()));

        base = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(2)).toEpochMilli();
        Outcome[] outcomes = Outcome.values();
        for (int i = 0; i < 2_000; i++) {
            // Event times within 5 s (inside the grace period), so interleaving across partitions drops nothing.
            produced.add(Decisions.event("route-" + (i % ROUTES), "rule-" + (i % 3), "client-" + (i % 37),
                    outcomes[(i * 7) % outcomes.length], base + (i % 5) * 1_000L + (i % 997)));
        }
        Decisions.produce(kafka.bootstrapServers(), produced);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(IntStream.range(0, ROUTES).mapToLong(r -> total(a, "route=route-" + r)).sum())
                        .isEqualTo(produced.size()));
    }

    static boolean hasActiveTasks(KafkaStreams streams) {
        return streams.state() == KafkaStreams.State.RUNNING
                && streams.metadataForLocalThreads().stream().anyMatch(t -> !t.activeTasks().isEmpty());
    }

    @AfterAll
    static void stop() {
        Closing.all(a, b, kafka); // a or b may be closed already by the test
    }

    static BlockRate blockRate(AnalyticsInstance app, String who, Step step) {
        return app.http().get().uri("/api/v1/block-rate?" + who + "&step=" + step.label()
                        + "&from=" + Instant.ofEpochMilli(base) + "&to=" + Instant.ofEpochMilli(base + 120_000))
                .exchange().expectStatus().isOk().expectBody(BlockRate.class).returnResult().getResponseBody();
    }

    static long total(AnalyticsInstance app, String who) {
        return blockRate(app, who, Step.MINUTE).windows().stream().mapToLong(WindowCounts::total).sum();
    }

    static TopBlocked topBlocked(AnalyticsInstance app) {
        return app.http().get().uri("/api/v1/top-blocked?limit=1000&from=" + Instant.ofEpochMilli(base)
                        + "&to=" + Instant.ofEpochMilli(base + 120_000))
                .exchange().expectStatus().isOk().expectBody(TopBlocked.class).returnResult().getResponseBody();
    }

    static List<String> dimensions() {
        List<String> out = new ArrayList<>();
        IntStream.range(0, ROUTES).forEach(r -> out.add("route=route-" + r));
        IntStream.range(0, 3).forEach(r -> out.add("rule=rule-" + r));
        return out;
    }

    static void assertCompleteAnswers(AnalyticsInstance app) {
        for (Step step : List.of(Step.SECOND, Step.MINUTE)) {
            Map<String, Map<Long, OutcomeCounts>> expected = Decisions.expected(produced, step);
            for (String who : dimensions()) {
                Map<Long, OutcomeCounts> mine = expected.get(who.replace('=', ':'));
                List<WindowCounts> windows = blockRate(app, who, step).windows();
                assertThat(windows).hasSize((int) (120_000 / step.size().toMillis()));
                windows.forEach(w -> {
                    long start = Instant.parse(w.start()).toEpochMilli();
                    assertThat(w).as(who + " " + w.start())
                            .isEqualTo(WindowCounts.of(start, start + step.size().toMillis(), mine.getOrDefault(start, OutcomeCounts.ZERO)));
                });
            }
        }
        List<BlockedKey> expectedTop = Decisions.blocked(produced).entrySet().stream()
                .map(e -> new BlockedKey(e.getKey(), e.getValue())).sorted(BlockedKey.ORDER).toList();
        assertThat(topBlocked(app).keys()).isEqualTo(expectedTop);
    }

    @Test
    @Order(1)
    void theStateIsSplitBetweenTheInstances() {
        Set<HostInfo> hostsOfRoutes = new HashSet<>();
        for (int r = 0; r < ROUTES; r++) {
            hostsOfRoutes.add(a.streams().queryMetadataForKey(Step.MINUTE.storeName(), "route:route-" + r,
                    Serdes.String().serializer()).activeHost());
        }
        assertThat(hostsOfRoutes).containsExactlyInAnyOrder(new HostInfo("127.0.0.1", a.port), new HostInfo("127.0.0.1", b.port));
        assertThat(a.streams().streamsMetadataForStore(AnalyticsTopology.TOP_BLOCKED_STORE)).hasSize(2);
    }

    @Test
    @Order(2)
    void eitherInstanceReturnsTheSameCompleteAnswer() {
        assertCompleteAnswers(a);
        assertCompleteAnswers(b);
        for (String who : dimensions()) {
            assertThat(blockRate(a, who, Step.HOUR)).isEqualTo(blockRate(b, who, Step.HOUR));
        }
        assertThat(topBlocked(a)).isEqualTo(topBlocked(b));
    }

    @Test
    @Order(3)
    void whenOneInstanceLeavesTheOtherTakesOverAndStillAnswersCompletely() {
        b.close();
        // Queries during the rebalance and the restoration of b's stores retry instead of failing.
        assertCompleteAnswers(a);
        assertThat(a.streams().streamsMetadataForStore(AnalyticsTopology.TOP_BLOCKED_STORE)).hasSize(1);
    }
}
