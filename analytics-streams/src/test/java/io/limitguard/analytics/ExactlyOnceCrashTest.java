package io.limitguard.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.Fixtures;
import io.limitguard.testsupport.KafkaFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once across a crash: the app runs as a child JVM, is SIGKILLed while it works through a
 * backlog (no clean close, an open transaction, dirty local state), and is started again on the same
 * state directory. The counts must then equal the decisions produced: none lost, none doubled.
 */
class ExactlyOnceCrashTest {

    static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ExactlyOnceCrashTest.class);
    static final int DECISIONS = 60_000;
    static KafkaFixture kafka;
    static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path work;

    private Process app;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaFixture.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(Topics.DECISIONS, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stopKafka() {
        Closing.all(kafka);
    }

    @AfterEach
    void stopApp() throws InterruptedException {
        if (app != null && app.isAlive()) {
            app.destroy();
            if (!app.waitFor(30, TimeUnit.SECONDS)) {
                app.destroyForcibly().waitFor();
            }
        }
    }

    private Process launch(int port, Path stateDir, String logName) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), AnalyticsApplication.class.getName()));
        cmd.addAll(AnalyticsInstance.args(kafka.bootstrapServers(), "crash-it", stateDir, port));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve(logName).toFile()))
                .start();
    }

    private static BlockRate blockRate(int port, String who, Step step, long from, long to) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/block-rate?" + who + "&step=" + step.label() + "&from=" + Instant.ofEpochMilli(from)
                        + "&to=" + Instant.ofEpochMilli(to))).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JsonSerde.MAPPER.readValue(response.body(), BlockRate.class);
    }

    private static long total(int port, String who, long base) {
        try {
            return blockRate(port, who, Step.MINUTE, base, base + 60_000).windows().stream().mapToLong(WindowCounts::total).sum();
        } catch (Exception e) {
            return -1; // not up yet
        }
    }

    @Test
    void killedMidStreamAndRestartedCountsEveryDecisionExactlyOnce() throws Exception {
        long base = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(3)).toEpochMilli();
        Outcome[] outcomes = {Outcome.ALLOWED, Outcome.ALLOWED, Outcome.BLOCKED, Outcome.SHADOW_BLOCKED, Outcome.FAILED_OPEN};
        List<DecisionEvent> produced = new ArrayList<>(DECISIONS);
        for (int i = 0; i < DECISIONS; i++) {
            // Event times within 10 s (inside the grace period): the backlog is replayed out of order across partitions.
            produced.add(Decisions.event("crash", "rule-" + (i % 2), "client-" + (i % 500), outcomes[i % outcomes.length],
                    base + (i % 10_000)));
        }
        Decisions.produce(kafka.bootstrapServers(), produced);

        Path stateDir = Files.createDirectories(work.resolve("state"));
        int port = Fixtures.freePort();
        app = launch(port, stateDir, "first.log");
        // Kill as soon as some counts are visible, while the backlog is still being worked through.
        long[] seen = new long[1];
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(50)).until(() -> {
            seen[0] = total(port, "route=crash", base);
            return seen[0] > 0;
        });
        app.destroyForcibly().waitFor();
        log.info("Killed the app (SIGKILL) with {} of {} decisions counted", seen[0], DECISIONS);
        assertThat(seen[0]).as("killed mid-stream").isLessThan(DECISIONS);

        int port2 = Fixtures.freePort();
        app = launch(port2, stateDir, "second.log");
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
                .until(() -> total(port2, "route=crash", base) >= DECISIONS);
        log.info("Restarted app counted all {} decisions", DECISIONS);

        // Exactly: per route, per rule, per second window and per outcome; and top blocked keys.
        for (Step step : List.of(Step.SECOND, Step.MINUTE)) {
            Map<String, Map<Long, OutcomeCounts>> expected = Decisions.expected(produced, step);
            for (String who : List.of("route=crash", "rule=rule-0", "rule=rule-1")) {
                Map<Long, OutcomeCounts> mine = expected.get(who.replace('=', ':'));
                List<WindowCounts> windows = blockRate(port2, who, step, base, base + 60_000).windows();
                assertThat(windows).allSatisfy(w -> {
                    long start = Instant.parse(w.start()).toEpochMilli();
                    assertThat(w).as(who + " " + w.start())
                            .isEqualTo(WindowCounts.of(start, start + step.size().toMillis(), mine.getOrDefault(start, OutcomeCounts.ZERO)));
                });
                assertThat(windows.stream().mapToLong(WindowCounts::total).sum())
                        .isEqualTo(produced.stream().filter(e -> who.endsWith("=" + e.routeId()) || who.endsWith("=" + e.ruleId())).count());
            }
        }
        HttpResponse<String> top = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port2
                + "/api/v1/top-blocked?limit=1000&from=" + Instant.ofEpochMilli(base) + "&to=" + Instant.ofEpochMilli(base + 60_000))).build(),
                HttpResponse.BodyHandlers.ofString());
        List<BlockedKey> expectedTop = Decisions.blocked(produced).entrySet().stream()
                .map(e -> new BlockedKey(e.getKey(), e.getValue())).sorted(BlockedKey.ORDER).toList();
        assertThat(JsonSerde.MAPPER.readValue(top.body(), TopBlocked.class).keys()).isEqualTo(expectedTop);
    }
}
