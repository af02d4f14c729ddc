package io.limitguard.gateway.events;

import io.limitguard.events.DecisionEvent;
import io.limitguard.events.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

/** Decision events and publisher settings for the tests of this package. */
final class TestDecisions {

    private TestDecisions() {
    }

    /**
     * {@code n} events of one run: every outcome in turn, 13 client keys, two rules per request
     * (events {@code 2k} and {@code 2k+1} share request id {@code <run>-<k>}).
     */
    static List<DecisionEvent> events(String run, int n) {
        Outcome[] outcomes = Outcome.values();
        return IntStream.range(0, n)
                .mapToObj(i -> new DecisionEvent(DecisionEvent.VERSION, UUID.randomUUID().toString(),
                        run + "-" + (i / 2), 1_700_000_000_000L + i, "gw-test", "route-" + (i % 3),
                        "rule-" + (i % 2), "client-" + (i % 13), outcomes[i % outcomes.length],
                        i % 2 == 0 ? "burst" : "hourly", i % 10, 10, 1 + i % 3, 100 + i))
                .toList();
    }

    static String newRun() {
        return "run-" + UUID.randomUUID();
    }

    static KafkaEventsProperties properties(int queueCapacity, Duration closeTimeout) {
        return new KafkaEventsProperties(true, queueCapacity, false, null, closeTimeout,
                new KafkaEventsProperties.TopicSettings(true, 3, null, null, Duration.ofSeconds(1)));
    }

    static KafkaEventsProperties hashing(String secret) {
        return new KafkaEventsProperties(true, 10_000, true, secret, Duration.ofSeconds(5),
                new KafkaEventsProperties.TopicSettings(true, 3, null, null, Duration.ofSeconds(1)));
    }
}
