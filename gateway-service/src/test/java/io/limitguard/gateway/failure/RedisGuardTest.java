package io.limitguard.gateway.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The guard around every limiter call to Redis: its time limit, what the breaker counts, the latency
 * timer, and that an open breaker does not even subscribe the call.
 */
class RedisGuardTest {

    private static final Duration TIME_LIMIT = Duration.ofMillis(50);

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Timer latency = meters.timer("latency");
    private final Counter timeouts = meters.counter("timeouts");
    private final RedisGuard guard = new RedisGuard(CircuitBreaker.ofDefaults("redis"), TIME_LIMIT, latency, timeouts);

    @Test
    void anAnswerInTimeIsPassedOnTimedAndCountedAsASuccess() {
        StepVerifier.create(guard.protect(Mono.just("verdict")))
                .expectNext("verdict")
                .verifyComplete();
        assertThat(latency.count()).isEqualTo(1);
        assertThat(guard.breaker().getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
        assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).isZero();
    }

    @Test
    void aCallPastItsTimeLimitFailsThenAndCountsAgainstTheBreaker() {
        StepVerifier.withVirtualTime(() -> guard.protect(Mono.never()))
                .expectSubscription()
                .expectNoEvent(TIME_LIMIT.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));
        assertThat(latency.count()).isZero();
        assertThat(timeouts.count()).isEqualTo(1);
        assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
    }

    @Test
    void anOpenBreakerFailsAtOnceWithoutSubscribingTheCall() {
        guard.breaker().transitionToOpenState();
        AtomicBoolean subscribed = new AtomicBoolean();
        StepVerifier.create(guard.protect(Mono.fromCallable(() -> {
                    subscribed.set(true);
                    return "verdict";
                })))
                .expectError(CallNotPermittedException.class)
                .verify(Duration.ofSeconds(5));
        assertThat(subscribed).isFalse();
        assertThat(latency.count()).isZero();
        assertThat(timeouts.count()).isZero();
    }
}
