package io.limitguard.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.events.CountsUpdate;
import io.limitguard.events.DecisionEvent;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.Outcome;
import io.limitguard.events.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * The one-command stack, end to end, exactly as a user runs it: {@code java -jar dev-launcher.jar} as a
 * child process (needs the service jars built: {@code ./mvnw -B -DskipTests package}). A request through
 * the gateway becomes a decision event on Kafka, counts in analytics, history in the query API (directly
 * and through the dashboard over HTTPS) and a live point on the dashboard's SSE stream; SIGTERM stops
 * every process; a second start on the same state directory still has the history and the certificate.
 *
 * <p>Runs for minutes, so only with {@code -Pe2e}: {@code ./mvnw -B -o -pl dev-launcher -Pe2e verify}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LauncherEndToEndIT {

    private static final Duration START = Duration.ofMinutes(6);
    private static final Duration PIPELINE = Duration.ofMinutes(2);
    private static final String ROUTE = "demo";
    private static final String RULE = "e2e-strict";
    /** Passed with --gateway-config: 5 requests per client, then (practically) no refill, so counts are exact. */
    private static final String RULES = """
            limitguard:
              redis:
                timeout: 2s        # a busy CI machine must not turn limiter calls into fail-open
              rules:
                - id: e2e-strict
                  routes: [demo]
                  key: header:X-API-Key
                  limits:
                    - name: burst
                      algorithm: token-bucket
                      capacity: 5
                      refill-per-second: 0.001
                  on-failure: open
            """;
    private static final int CAPACITY = 5;

    private static Path root;
    private static Path stateDir;
    private static LauncherOptions.Ports ports;
    private static Process launcher;
    private static Path output;
    private static Path rules;
    private static HttpClient https;
    private static final HttpClient http = HttpClient.newHttpClient();
    private static final String clientKey = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    private static final Instant from = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(1, ChronoUnit.MINUTES);
    private static int allowed;
    private static int blocked;

    @BeforeAll
    static void startTheStack() throws Exception {
        root = Path.of("").toAbsolutePath().getParent(); // surefire/failsafe run in the module directory
        stateDir = Files.createTempDirectory("limitguard-e2e-state");
        ports = new LauncherOptions.Ports(FreePortOffset.find());
        rules = Files.writeString(stateDir.getParent().resolve(stateDir.getFileName() + "-rules.yml"), RULES);
        launcher = startLauncher();
        https = httpsTrusting(stateDir.resolve("tls/limitguard-self-signed.p12"));
        awaitEventsFlowing();
    }

    /**
     * The gateway never waits for Kafka: until its producer has the topic metadata (a first send on a
     * busy machine), events are dropped and counted, by design. The measured requests start once a
     * warm-up request's event is on the topic.
     */
    private static void awaitEventsFlowing() {
        String warmUpKey = "warm-up-" + UUID.randomUUID();
        try (KafkaConsumer<String, DecisionEvent> consumer = decisionsConsumer()) {
            await().atMost(PIPELINE).pollInterval(Duration.ofSeconds(1)).until(() -> {
                http.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + ports.gateway() + "/demo/hello"))
                        .header("X-API-Key", warmUpKey).build(), HttpResponse.BodyHandlers.discarding());
                for (ConsumerRecord<String, DecisionEvent> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value().key().equals(warmUpKey)) {
                        return true;
                    }
                }
                return false;
            });
        }
    }

    private static KafkaConsumer<String, DecisionEvent> decisionsConsumer() {
        KafkaConsumer<String, DecisionEvent> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + ports.kafka(),
                ConsumerConfig.GROUP_ID_CONFIG, "e2e-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new JsonSerde.DecisionEventSerde());
        consumer.subscribe(List.of(Topics.DECISIONS));
        return consumer;
    }

    @AfterAll
    static void stopTheStack() {
        if (launcher != null && launcher.isAlive()) {
            List<ProcessHandle> children = launcher.descendants().toList();
            launcher.destroy();
            try {
                launcher.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    @Order(1)
    void requestsThroughTheGatewayAreLimitedOverHttpAndHttps() throws Exception {
        // 60 requests at once for one client: the bucket holds 5 and does not refill during the test.
        List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 60)
                .mapToObj(i -> http.sendAsync(gatewayRequest("http://localhost:" + ports.gateway()),
                        HttpResponse.BodyHandlers.ofString()))
                .toList();
        for (CompletableFuture<HttpResponse<String>> f : responses) {
            HttpResponse<String> r = f.join();
            assertThat(r.statusCode()).isIn(200, 429);
            if (r.statusCode() == 200) {
                allowed++;
                assertThat(r.body()).contains("demo-upstream");
            } else {
                blocked++;
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
            }
        }
        assertThat(allowed).isEqualTo(CAPACITY);
        assertThat(blocked).isEqualTo(60 - CAPACITY);

        // The same client over HTTPS (port 8443 + offset), trusting only the generated certificate.
        HttpResponse<String> overHttps = https.send(gatewayRequest("https://localhost:" + ports.gatewayHttps()),
                HttpResponse.BodyHandlers.ofString());
        assertThat(overHttps.statusCode()).isEqualTo(429);
        assertThat(overHttps.headers().firstValue("Content-Type")).contains("application/problem+json");
        blocked++;
    }

    @Test
    @Order(2)
    void everyDecisionIsAnEventOnKafka() {
        try (KafkaConsumer<String, DecisionEvent> consumer = decisionsConsumer()) {
            List<DecisionEvent> ours = new ArrayList<>();
            await().atMost(PIPELINE).until(() -> {
                for (ConsumerRecord<String, DecisionEvent> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value().key().equals(clientKey)) {
                        ours.add(r.value());
                    }
                }
                return ours.stream().map(DecisionEvent::eventId).distinct().count() >= allowed + blocked;
            });
            assertThat(ours).allSatisfy(e -> assertThat(e.routeId()).isEqualTo(ROUTE));
            // One rule applies to the demo route: one event per request, as many BLOCKED as 429s.
            assertThat(ours).allSatisfy(e -> assertThat(e.ruleId()).isEqualTo(RULE));
            assertThat(ours.stream().filter(e -> e.outcome() == Outcome.BLOCKED).map(DecisionEvent::eventId)
                    .distinct().count()).isEqualTo(blocked);
            assertThat(ours.stream().filter(e -> e.outcome() == Outcome.ALLOWED).map(DecisionEvent::eventId)
                    .distinct().count()).isEqualTo(allowed);
        }
    }

    @Test
    @Order(3)
    void analyticsCountsThemAndTheDashboardRelaysTheHistoryOverHttps() throws Exception {
        String query = "/block-rate?route=" + ROUTE + "&from=" + from + "&to=" + from.plus(1, ChronoUnit.HOURS) + "&step=1m";
        await().atMost(PIPELINE).untilAsserted(() -> {
            JsonNode direct = json(http, "http://localhost:" + ports.analytics() + "/api/v1" + query);
            assertThat(sum(direct, "blocked")).isGreaterThanOrEqualTo(blocked);
            assertThat(sum(direct, "allowed")).isGreaterThanOrEqualTo(allowed);
        });
        JsonNode direct = json(http, "http://localhost:" + ports.analytics() + "/api/v1" + query);
        JsonNode viaDashboard = json(https, "https://localhost:" + ports.dashboardHttps() + "/api/v1/history" + query);
        assertThat(viaDashboard).isEqualTo(direct);

        // The client's own blocked count, exactly, through the dashboard over HTTPS.
        String top = "https://localhost:" + ports.dashboardHttps() + "/api/v1/history/top-blocked?from="
                + from + "&to=" + from.plus(1, ChronoUnit.HOURS) + "&limit=100";
        await().atMost(PIPELINE).untilAsserted(() -> assertThat(json(https, top).get("keys").valueStream()
                .filter(k -> k.get("key").asString().equals(clientKey))
                .map(k -> k.get("blocked").asLong())).containsExactly((long) blocked));
    }

    @Test
    @Order(4)
    void theDashboardStreamShowsBlockedRequestsLiveOverHttps() {
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> stream = https.sendAsync(
                HttpRequest.newBuilder(URI.create("https://localhost:" + ports.dashboardHttps() + "/api/v1/stream?route=" + ROUTE))
                        .header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        stream.thenAccept(r -> r.body().forEach(lines::add));
        try {
            await().atMost(PIPELINE).pollInterval(Duration.ofSeconds(1)).until(() -> {
                // keep the route busy so a fresh 1 s window gets blocked counts while we listen
                IntStream.range(0, 30).forEach(i -> http.sendAsync(gatewayRequest("http://localhost:" + ports.gateway()),
                        HttpResponse.BodyHandlers.discarding()));
                return lines.stream().filter(l -> l.startsWith("data:"))
                        .map(l -> l.substring(5).getBytes(StandardCharsets.UTF_8))
                        .filter(b -> new String(b, StandardCharsets.UTF_8).contains("\"windowStart\""))
                        .map(b -> new JsonSerde.CountsUpdateSerde().deserialize(Topics.COUNTS, b))
                        .anyMatch(u -> u.dimension() == CountsUpdate.Dimension.ROUTE && u.id().equals(ROUTE)
                                && u.counts().blocked() > 0);
            });
        } finally {
            stream.cancel(true);
        }
    }

    @Test
    @Order(5)
    void sigtermStopsEveryProcessAndASecondStartKeepsHistoryAndCertificate() throws Exception {
        byte[] certificate = Files.readAllBytes(stateDir.resolve("tls/limitguard-self-signed.p12"));
        List<ProcessHandle> children = launcher.descendants().toList();
        assertThat(children).hasSizeGreaterThanOrEqualTo(5); // redis, kafka, gateway, analytics, dashboard

        launcher.destroy(); // SIGTERM, like Ctrl-C's SIGINT: the shutdown hook stops and awaits everything
        assertThat(launcher.waitFor(java.util.concurrent.TimeUnit.MINUTES.toSeconds(2), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(children).noneMatch(ProcessHandle::isAlive);
        assertThat(List.of(ports.gateway(), ports.gatewayHttps(), ports.dashboard(), ports.dashboardHttps(),
                ports.analytics(), ports.upstream(), ports.redis(), ports.kafka())).noneMatch(Probes::accepts);
        assertThat(Files.readString(output)).contains("[launcher] stopped");

        launcher = startLauncher();
        assertThat(Files.readAllBytes(stateDir.resolve("tls/limitguard-self-signed.p12"))).isEqualTo(certificate);
        String query = "http://localhost:" + ports.analytics() + "/api/v1/block-rate?route=" + ROUTE + "&from=" + from
                + "&to=" + from.plus(1, ChronoUnit.HOURS) + "&step=1m";
        await().atMost(PIPELINE).untilAsserted(() ->
                assertThat(sum(json(http, query), "blocked")).isGreaterThanOrEqualTo(blocked));
    }

    private static Process startLauncher() throws IOException {
        Path jar = Files.list(root.resolve("dev-launcher/target"))
                .filter(p -> p.getFileName().toString().matches("dev-launcher-.*\\.jar")).findFirst().orElseThrow();
        output = Files.createTempFile(stateDir.getParent(), "launcher", ".log");
        Process p = new ProcessBuilder(JavaCommand.java(), "-jar", jar.toString(), "--state-dir=" + stateDir,
                "--port-offset=" + ports.offset(), "--home=" + root, "--gateway-config=" + rules)
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        await().atMost(START).pollInterval(Duration.ofSeconds(1)).until(() -> {
            String out = Files.readString(output);
            if (!p.isAlive()) {
                throw new AssertionError("launcher exited with " + p.exitValue() + ":\n" + out + logs());
            }
            return out.contains("LimitGuard is running");
        });
        return p;
    }

    private static String logs() throws IOException {
        StringBuilder all = new StringBuilder();
        try (var files = Files.list(stateDir.resolve("logs"))) {
            for (Path f : files.toList()) {
                List<String> lines = Files.readAllLines(f);
                all.append("\n== ").append(f).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
            }
        }
        return all.toString();
    }

    private static HttpRequest gatewayRequest(String base) {
        return HttpRequest.newBuilder(URI.create(base + "/demo/hello")).header("X-API-Key", clientKey)
                .timeout(Duration.ofSeconds(10)).build();
    }

    private static JsonNode json(HttpClient client, String uri) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s -> %s", uri, r.body()).isEqualTo(200);
        return JsonSerde.MAPPER.readTree(r.body());
    }

    private static long sum(JsonNode blockRate, String field) {
        return blockRate.get("windows").valueStream().mapToLong(w -> w.get(field).asLong()).sum();
    }

    private static HttpClient httpsTrusting(Path keystore) throws Exception {
        KeyStore source = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            source.load(in, "limitguard".toCharArray());
        }
        Certificate certificate = source.getCertificate("limitguard");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("limitguard", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }
}
