package io.limitguard.gateway.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.events.Outcome;
import io.limitguard.gateway.config.RuleProperties.FailureMode;
import io.limitguard.gateway.config.RuleProperties.Mode;
import io.limitguard.gateway.limit.ConcurrencyLimit;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.limit.LimitVerdict;
import io.limitguard.gateway.limit.TokenBucketLimit;
import io.limitguard.gateway.rules.RequestMatch;
import io.limitguard.gateway.rules.Rule;
import io.limitguard.gateway.web.ConcurrencyReleases;
import io.limitguard.gateway.web.RequestDecision;
import io.limitguard.gateway.web.RequestLimiter.KeyedRule;
import io.limitguard.gateway.web.RuleDecision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** {@code on-failure: local} enforces concurrency limits too: slots are taken per request and given back. */
class LocalConcurrencyTest {

    private final AtomicLong clock = new AtomicLong(1_000_000);

    private static Rule rule(String id, LimitSpec... limits) {
        return new Rule(id, Set.of(), RequestMatch.ANY, (exchange, route) -> Mono.just("k"), List.of(limits), 1, FailureMode.LOCAL,
                Mode.ENFORCE, null, 1);
    }

    /** Per limit of {@code rule}: did it admit request {@code id} under {@code key}? */
    private static List<Boolean> allowed(LocalLimiter local, Rule rule, String key, long id) {
        return local.decide(rule, key, id).stream().map(LimitVerdict::allowed).toList();
    }

    @Test
    void slotsAreSharedByInstancesHeldUntilReleasedAndComeBack() {
        LocalLimiter local = new LocalLimiter(2, 1000, Duration.ofMinutes(5), clock::get);
        Rule rule = rule("inflight", new ConcurrencyLimit("inflight", 4, Duration.ofSeconds(30)));

        // 4 in flight across 2 instances: this instance holds at most 2
        assertThat(allowed(local, rule, "k", 1)).containsExactly(true);
        assertThat(allowed(local, rule, "k", 2)).containsExactly(true);
        List<LimitVerdict> third = local.decide(rule, "k", 3);
        assertThat(third).extracting(LimitVerdict::allowed).containsExactly(false);
        assertThat(third.get(0).remaining()).isZero();

        local.release(rule, "k", 1);
        local.release(rule, "k", 1); // idempotent
        assertThat(allowed(local, rule, "k", 4)).containsExactly(true);
        assertThat(allowed(local, rule, "k", 5)).containsExactly(false);
        assertThat(allowed(local, rule, "other-key", 6)).containsExactly(true);
    }

    @Test
    void aSlotNeverReleasedFreesItselfAtItsLeaseExpiry() {
        LocalLimiter local = new LocalLimiter(1, 1000, Duration.ofMinutes(5), clock::get);
        Rule rule = rule("inflight", new ConcurrencyLimit("inflight", 1, Duration.ofSeconds(30)));

        assertThat(allowed(local, rule, "k", 1)).containsExactly(true);
        assertThat(allowed(local, rule, "k", 2)).containsExactly(false);
        clock.addAndGet(30_000_001);
        assertThat(allowed(local, rule, "k", 3)).containsExactly(true);
    }

    @Test
    void theGatewayGivesTheLocalSlotBackWhenTheResponseEnds() {
        LocalLimiter local = new LocalLimiter(1, 1000, Duration.ofMinutes(5), clock::get);
        Rule inflight = rule("inflight", new ConcurrencyLimit("inflight", 1, Duration.ofSeconds(30)));
        ConcurrencyReleases releases = new ConcurrencyReleases(null, local, Duration.ofSeconds(1), new SimpleMeterRegistry());
        RequestDecision decision = new FailureFallback(local).decide(List.of(new KeyedRule(inflight, "k", 1)),
                System.nanoTime(), 7, new RuntimeException("Redis down"));
        assertThat(decision.rules()).extracting(RuleDecision::outcome).containsExactly(Outcome.LOCAL_ALLOWED);
        Sinks.Empty<Void> response = Sinks.empty();

        StepVerifier.create(releases.holdWhile(response.asMono(), decision, 7))
                .then(() -> assertThat(allowed(local, inflight, "k", 8))
                        .as("slot held while the response runs").containsExactly(false))
                .then(response::tryEmitEmpty)
                .verifyComplete();

        assertThat(allowed(local, inflight, "k", 9)).containsExactly(true);
    }

    @Test
    void aRequestRejectedByALaterLocalRuleGivesBackTheSlotAnEarlierRuleGaveIt() {
        LocalLimiter local = new LocalLimiter(1, 1000, Duration.ofMinutes(5), clock::get);
        FailureFallback fallback = new FailureFallback(local);
        Rule inflight = rule("inflight", new ConcurrencyLimit("inflight", 1, Duration.ofSeconds(30)));
        Rule rate = rule("rate", new TokenBucketLimit("burst", 1, 0.001));
        List<KeyedRule> keyed = List.of(new KeyedRule(inflight, "k", 1), new KeyedRule(rate, "k", 1));
        RuntimeException down = new RuntimeException("Redis down");

        RequestDecision first = fallback.decide(keyed, System.nanoTime(), 1, down);
        assertThat(first.status()).isEqualTo(RequestDecision.Status.ALLOWED);
        local.release(inflight, "k", 1); // the response of request 1 ended

        RequestDecision second = fallback.decide(keyed, System.nanoTime(), 2, down);
        assertThat(second.status()).isEqualTo(RequestDecision.Status.RATE_LIMITED);
        assertThat(second.rules()).extracting(RuleDecision::outcome)
                .containsExactly(Outcome.LOCAL_ALLOWED, Outcome.LOCAL_BLOCKED);
        // request 2 was rejected by the rate rule: its concurrency slot is free again for request 3
        assertThat(allowed(local, inflight, "k", 3)).containsExactly(true);
    }
}
