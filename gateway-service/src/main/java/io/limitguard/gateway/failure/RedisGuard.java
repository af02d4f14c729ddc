package io.limitguard.gateway.failure;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;

/**
 * Every Redis call of the limiter goes through here: a time limit (a slow Redis counts as a
 * failed one) inside a Resilience4j circuit breaker. While the breaker is open the call is not
 * even subscribed, so no request waits on Redis.
 */
public final class RedisGuard {

    private final CircuitBreaker breaker;
    private final Duration timeLimit;
    private final Timer latency;
    private final Counter timeouts;

    /** @param timeouts counts the calls that hit {@code timeLimit} ({@code limitguard.redis.timeouts}) */
    public RedisGuard(CircuitBreaker breaker, Duration timeLimit, Timer latency, Counter timeouts) {
        this.breaker = breaker;
        this.timeLimit = timeLimit;
        this.latency = latency;
        this.timeouts = timeouts;
    }

    public <T> Mono<T> protect(Mono<T> call) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return call.timeout(timeLimit)
                    .doOnError(TimeoutException.class, e -> timeouts.increment())
                    .doOnSuccess(any -> latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
        }).transformDeferred(CircuitBreakerOperator.of(breaker));
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public Duration timeLimit() {
        return timeLimit;
    }
}
