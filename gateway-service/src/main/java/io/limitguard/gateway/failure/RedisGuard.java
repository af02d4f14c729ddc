package io.limitguard.gateway.failure;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Every Redis call of the limiter goes through here: a time limit (a slow Redis counts as a
 * failed one) inside a Resilience4j circuit breaker. While the breaker is open the call is not
 * even subscribed, so no request waits on Redis.
 */
public final class RedisGuard {

    private final CircuitBreaker breaker;
    private final Duration timeLimit;
    private final Timer latency;

    public RedisGuard(CircuitBreaker breaker, Duration timeLimit, Timer latency) {
        this.breaker = breaker;
        this.timeLimit = timeLimit;
        this.latency = latency;
    }

    /**
     * @param thread the request's event loop: the call's answer is handed back to it (Lettuce emits it
     *               on its I/O thread, which must go on to the next reply), and its time limit runs there,
     *               set and cancelled on one thread without locks (a shared timer thread costs a lock and a
     *               wake-up for each)
     */
    public <T> Mono<T> protect(Mono<T> call, Scheduler thread) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return call.publishOn(thread).timeout(timeLimit, thread)
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
