package io.limitguard.gateway.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.gateway.config.HeaderProperties;
import io.limitguard.gateway.config.RuleProperties.FailureMode;
import io.limitguard.gateway.config.RuleProperties.Mode;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.limit.LimitVerdict;
import io.limitguard.gateway.limit.TokenBucketLimit;
import io.limitguard.gateway.rules.RequestMatch;
import io.limitguard.gateway.rules.Rule;
import io.limitguard.gateway.web.RateLimitHeaders;
import io.limitguard.gateway.web.RequestDecision;
import io.limitguard.gateway.web.RequestLimiter.KeyedRule;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import reactor.core.publisher.Mono;

/** The in-process limiter of {@code on-failure: local}: its sizing and what it does when the rules change. */
class LocalLimiterTest {

    private final AtomicLong clock = new AtomicLong(1_000_000);

    private static Rule rule(String id, long cost, LimitSpec... limits) {
        return new Rule(id, Set.of(), RequestMatch.ANY, (exchange, route) -> Mono.just("k"), List.of(limits), cost, FailureMode.LOCAL,
                Mode.ENFORCE, null, cost);
    }

    @Test
    void aRuleWhoseCostExceedsTheInstanceShareIsStillAdmittedWhileRedisIsDown() {
        // valid configuration: cost 4 <= capacity 10; three gateways: each holds 10 / 3 = 3 tokens
        LocalLimiter local = new LocalLimiter(3, 1000, Duration.ofMinutes(5), clock::get);
        Rule expensive = rule("export", 4, new TokenBucketLimit("bucket", 10, 1));

        for (int second = 0; second < 60; second++) {
            clock.addAndGet(1_000_000);
            if (local.decide(expensive, "k", 0).stream().allMatch(LimitVerdict::allowed)) {
                return;
            }
        }
        throw new AssertionError("for a whole minute of refill, not one request of cost 4 was admitted: "
                + "the local bucket (capacity 3) can never hold the rule's cost");
    }

    @Test
    void aRuleChangedAtRunTimeIsDecidedWithItsNewLimits() {
        LocalLimiter local = new LocalLimiter(1, 1000, Duration.ofMinutes(5), clock::get);
        Rule before = rule("api", 1, new TokenBucketLimit("burst", 1, 0.001));
        // the admin API replaces the rule: a much larger burst, and a second limit
        Rule after = rule("api", 1, new TokenBucketLimit("burst", 100, 0.001), new TokenBucketLimit("hourly", 1000, 1));

        assertThat(local.decide(before, "k", 0)).extracting(LimitVerdict::allowed).containsExactly(true);
        List<LimitVerdict> verdicts = local.decide(after, "k", 0);

        assertThat(verdicts).as("one verdict per limit of the rule in force").hasSize(2);
        assertThat(verdicts).extracting(LimitVerdict::allowed).containsOnly(true);
    }

    @Test
    void aRuleThatLostALimitAtRunTimeDoesNotBreakTheResponse() {
        LocalLimiter local = new LocalLimiter(1, 1000, Duration.ofMinutes(5), clock::get);
        Rule before = rule("api", 1, new TokenBucketLimit("burst", 5, 0.001), new TokenBucketLimit("tight", 1, 0.001));
        Rule after = rule("api", 1, new TokenBucketLimit("burst", 5, 0.001));
        local.decide(before, "k", 0);

        RequestDecision decision = new FailureFallback(local).decide(List.of(new KeyedRule(after, "k", 1)),
                System.nanoTime(), 0, new RuntimeException("Redis down"));
        HttpHeaders headers = new HttpHeaders();
        new RateLimitHeaders(new HeaderProperties(true, false)).apply(headers, decision);

        assertThat(decision.rules().get(0).verdicts()).hasSize(1);
        assertThat(headers.getFirst(RateLimitHeaders.RATE_LIMIT)).startsWith("\"burst\"");
    }
}
