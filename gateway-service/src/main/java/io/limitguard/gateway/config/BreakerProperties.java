package io.limitguard.gateway.config;

import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Resilience4j circuit breaker in front of Redis.
 *
 * @param failureRateThreshold percentage of failed calls (errors and time-outs) that opens the breaker
 * @param slidingWindowSize    calls considered (count-based window)
 * @param minimumCalls         calls needed before the rate is computed
 * @param waitInOpen           time the breaker stays open before half-open probes
 * @param halfOpenCalls        probe calls permitted in half-open state
 */
public record BreakerProperties(
        @DefaultValue("50") float failureRateThreshold,
        @DefaultValue("20") int slidingWindowSize,
        @DefaultValue("5") int minimumCalls,
        @DefaultValue("1s") Duration waitInOpen,
        @DefaultValue("3") int halfOpenCalls) {

    public BreakerProperties {
        if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
            throw new IllegalArgumentException("limitguard.breaker.failure-rate-threshold must be in (0, 100], was "
                    + failureRateThreshold);
        }
        if (slidingWindowSize < 1 || minimumCalls < 1 || halfOpenCalls < 1) {
            throw new IllegalArgumentException(
                    "limitguard.breaker.sliding-window-size, minimum-calls and half-open-calls must be >= 1");
        }
        RedisProperties.requirePositive("limitguard.breaker.wait-in-open", waitInOpen);
    }

    static BreakerProperties defaults() {
        return new BreakerProperties(50, 20, 5, Duration.ofSeconds(1), 3);
    }
}
