package io.limitguard.gateway.web;

import io.limitguard.events.DecisionEvent;
import io.limitguard.events.Outcome;
import io.limitguard.gateway.events.DecisionSink;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.limit.LimitVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports every rule decision: one {@link DecisionEvent} per rule to the {@link DecisionSink}
 * (events of one request share a request id) and the counter {@code limitguard.decisions}
 * tagged route, rule and outcome.
 */
public final class DecisionRecorder {

    public static final String METRIC = "limitguard.decisions";
    private static final Logger log = LoggerFactory.getLogger(DecisionRecorder.class);
    /** Counter slots per route and rule: one per {@link Outcome}, then the three requests Redis never saw. */
    private static final int MISSING_KEY = Outcome.values().length;
    private static final int REPEATED_KEY = MISSING_KEY + 1;
    private static final int INVALID_COST = REPEATED_KEY + 1;
    private static final int SLOTS = INVALID_COST + 1;
    private static final String[] OUTCOME_TAGS = new String[SLOTS];

    static {
        for (Outcome outcome : Outcome.values()) {
            OUTCOME_TAGS[outcome.ordinal()] = outcome.name().toLowerCase(Locale.ROOT); // metric tags are lower-case
        }
        OUTCOME_TAGS[MISSING_KEY] = "missing_key";
        OUTCOME_TAGS[REPEATED_KEY] = "repeated_key";
        OUTCOME_TAGS[INVALID_COST] = "invalid_cost";
    }

    private final DecisionSink sink;
    private final MeterRegistry registry;
    private final String instanceId;
    private final Map<String, Map<String, Counter[]>> counters = new ConcurrentHashMap<>();

    public DecisionRecorder(DecisionSink sink, MeterRegistry registry, String instanceId) {
        this.sink = sink;
        this.registry = registry;
        this.instanceId = instanceId;
    }

    public void record(String routeId, RequestDecision decision) {
        if (decision.rules().isEmpty()) {
            if (decision.refusedBy() != null) { // refused before Redis: counted under the rule that refused it
                int slot = switch (decision.status()) {
                    case MISSING_KEY -> MISSING_KEY;
                    case REPEATED_KEY -> REPEATED_KEY;
                    case INVALID_COST -> INVALID_COST;
                    default -> throw new IllegalStateException("a " + decision.status() + " decision names no refusing rule");
                };
                counter(routeId, decision.refusedBy().id(), slot).increment();
            }
            return;
        }
        for (RuleDecision rule : decision.rules()) {
            counter(routeId, rule.rule().id(), rule.outcome().ordinal()).increment();
        }
        if (sink == DecisionSink.NONE) {
            return; // no events wanted (Kafka off): none built
        }
        String requestId = randomUuid();
        long now = System.currentTimeMillis();
        for (RuleDecision rule : decision.rules()) {
            LimitSpec limit = rule.decisiveLimit();
            LimitVerdict verdict = rule.decisiveVerdict();
            if (limit == null) {
                limit = rule.rule().limits().get(0); // failed open/closed: name the rule's first policy
            }
            DecisionEvent event = new DecisionEvent(DecisionEvent.VERSION, randomUuid(), requestId, now, instanceId,
                    routeId, rule.rule().id(), rule.key(), rule.outcome(), limit.name(),
                    verdict == null ? -1 : verdict.remaining(), verdict == null ? -1 : limit.quota(),
                    rule.cost(), decision.latencyMicros());
            try {
                sink.accept(event);
            } catch (RuntimeException e) {
                // The sink promises not to throw; if it does anyway, the request must not suffer.
                log.warn("DecisionSink threw; event dropped", e);
            }
        }
    }

    /**
     * The counter of one route, rule and outcome, looked up by route, then rule, then {@code slot} (an
     * {@link Outcome}'s ordinal, {@link #MISSING_KEY}, {@link #REPEATED_KEY} or {@link #INVALID_COST}): no key string built
     * per request.
     */
    private Counter counter(String route, String rule, int slot) {
        Counter[] bySlot = counters.computeIfAbsent(route, r -> new ConcurrentHashMap<>())
                .computeIfAbsent(rule, r -> new Counter[SLOTS]);
        Counter counter = bySlot[slot];
        if (counter == null) {
            // registering the same counter twice (two threads at once) returns the one registered
            counter = Counter.builder(METRIC).description("Rate-limit decisions by route, rule and outcome")
                    .tag("route", route).tag("rule", rule).tag("outcome", OUTCOME_TAGS[slot]).register(registry);
            bySlot[slot] = counter;
        }
        return counter;
    }

    /** A version-4 UUID from ThreadLocalRandom: UUID.randomUUID() may block on SecureRandom on an event loop. */
    static String randomUuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & ~(0xC000000000000000L)) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
