package io.limitguard.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.events.DecisionEvent;
import io.limitguard.events.Outcome;
import io.limitguard.gateway.testing.GatewayInstance;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.gateway.testing.Upstream;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.Fixtures;
import io.limitguard.testsupport.KafkaFixture;
import io.limitguard.testsupport.RedisFixture;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real HTTP requests through the whole gateway (real Redis, real upstream): one event per rule
 * decision on the real broker, with the request's route, rule, outcome, key and shared request id;
 * and with Kafka unreachable the same requests are answered the same way while every event is
 * accounted for.
 */
class GatewayDecisionEventsTest {

    private static KafkaFixture kafka;
    private static RedisFixture redis;
    private static Upstream upstream;
    private static GatewayInstance gateway;
    private static GatewayInstance gatewayWithoutKafka;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        kafka = KafkaFixture.start();
        redis = RedisFixture.start();
        upstream = new Upstream();
        Map<String, Object> rules = new Rules()
                .route("events", upstream.uri(), "/events/**")
                // two rules govern every request: two events per request, one request id
                .rule("per-client", "events", "header:X-API-Key", "open", "burst", 3, 0.001)
                .rule("route-cap", "events", "route", "open", "total", 1_000_000, 1000)
                .redis(redis.uri())
                .set("limitguard.instance-id", "gw-events-test")
                .set("limitguard.kafka.enabled", "true")
                .set("limitguard.kafka.topics.retry-interval", "1s")
                .properties();
        gateway = GatewayInstance.start(with(rules, "spring.kafka.bootstrap-servers", kafka.bootstrapServers()));
        gatewayWithoutKafka = GatewayInstance.start(with(rules, "spring.kafka.bootstrap-servers",
                "127.0.0.1:" + Fixtures.freePort()));
    }

    private static Map<String, Object> with(Map<String, Object> properties, String key, Object value) {
        Map<String, Object> all = new java.util.LinkedHashMap<>(properties);
        all.put(key, value);
        return all;
    }

    @AfterAll
    static void stop() {
        Closing.all(gateway, gatewayWithoutKafka, upstream, redis, kafka);
    }

    @Test
    void everyRuleDecisionOfEveryRequestIsOneEventOnTheTopic() throws Exception {
        String client = "client-" + UUID.randomUUID();
        List<Integer> statuses = requests(gateway, client, 10);
        assertThat(statuses).containsExactly(200, 200, 200, 429, 429, 429, 429, 429, 429, 429);

        KafkaDecisionPublisher publisher = gateway.bean(KafkaDecisionPublisher.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> publisher.accounting().inFlight() == 0
                && publisher.accounting().decisions() == 20);
        assertThat(publisher.accounting().published()).isEqualTo(20);
        List<DecisionEvent> events = DecisionTopicReader.read(kafka.bootstrapServers(),
                e -> e.key().equals(client) || (e.ruleId().equals("route-cap") && e.instanceId().equals("gw-events-test")))
                .stream().map(ConsumerRecord::value).toList();

        List<DecisionEvent> perClient = events.stream().filter(e -> e.ruleId().equals("per-client")).toList();
        assertThat(perClient).hasSize(10)
                .allSatisfy(e -> {
                    assertThat(e.routeId()).isEqualTo("events");
                    assertThat(e.key()).isEqualTo(client);
                    assertThat(e.instanceId()).isEqualTo("gw-events-test");
                    assertThat(e.policy()).isEqualTo("burst");
                    assertThat(e.limit()).isEqualTo(3);
                    assertThat(e.cost()).isEqualTo(1);
                    assertThat(e.v()).isEqualTo(DecisionEvent.VERSION);
                });
        // in the order decided: the key's events share a partition
        assertThat(perClient.stream().map(DecisionEvent::outcome).toList()).containsExactly(
                Outcome.ALLOWED, Outcome.ALLOWED, Outcome.ALLOWED, Outcome.BLOCKED, Outcome.BLOCKED,
                Outcome.BLOCKED, Outcome.BLOCKED, Outcome.BLOCKED, Outcome.BLOCKED, Outcome.BLOCKED);
        assertThat(perClient.stream().map(DecisionEvent::remaining).toList()).startsWith(2L, 1L, 0L);

        // Each request's second event: the route-wide rule, same request id.
        Map<String, List<DecisionEvent>> byRequest = events.stream()
                .collect(Collectors.groupingBy(DecisionEvent::requestId));
        List<DecisionEvent> routeCap = perClient.stream().map(e -> byRequest.get(e.requestId()))
                .peek(pair -> assertThat(pair).hasSize(2))
                .map(pair -> pair.stream().filter(e -> e.ruleId().equals("route-cap")).findFirst().orElseThrow())
                .toList();
        assertThat(routeCap).hasSize(10).allSatisfy(e -> {
            assertThat(e.routeId()).isEqualTo("events");
            assertThat(e.outcome()).isEqualTo(Outcome.ALLOWED); // its own limit had room
        });
        assertThat(perClient.stream().map(DecisionEvent::requestId).distinct()).hasSize(10);
        assertThat(events.stream().map(DecisionEvent::eventId).distinct()).hasSize(events.size());
        assertThat(counter(gateway, "limitguard.events.dropped")).isZero();
    }

    @Test
    void withKafkaUnreachableRequestsAreAnsweredAlikeAndEveryEventIsAccountedFor() throws Exception {
        String client = "client-" + UUID.randomUUID();
        List<Integer> statuses = requests(gatewayWithoutKafka, client, 10);
        assertThat(statuses).containsExactly(200, 200, 200, 429, 429, 429, 429, 429, 429, 429);

        KafkaDecisionPublisher publisher = gatewayWithoutKafka.bean(KafkaDecisionPublisher.class);
        PublisherAccounting.Snapshot accounting = publisher.accounting();
        assertThat(accounting.decisions()).isEqualTo(20);
        assertThat(accounting.published()).isZero();
        assertThat(accounting.balanced()).isTrue();
        assertThat(counter(gatewayWithoutKafka, "limitguard.events.decisions")).isEqualTo(accounting.decisions());
        double inFlight = gatewayWithoutKafka.bean(MeterRegistry.class).get("limitguard.events.in.flight").gauge().value();
        assertThat((long) inFlight + accounting.dropped()).isEqualTo(accounting.decisions());
    }

    private static List<Integer> requests(GatewayInstance target, String apiKey, int n) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(target.baseUrl() + "/events/x"))
                    .header("X-API-Key", apiKey).timeout(Duration.ofSeconds(30)).GET().build();
            statuses.add(http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        return statuses;
    }

    private static double counter(GatewayInstance target, String name) {
        return target.bean(MeterRegistry.class).find(name).functionCounters().stream()
                .mapToDouble(c -> c.count()).sum();
    }
}
