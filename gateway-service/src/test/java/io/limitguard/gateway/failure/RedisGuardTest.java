package io.limitguard.gateway.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoop;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The guard hands a Redis answer (emitted on a Lettuce I/O thread) back to the request's event loop,
 * and times the call there.
 */
class RedisGuardTest {

    private final DefaultEventLoop requestLoop = new DefaultEventLoop();
    private final Scheduler requestThread = Schedulers.fromExecutorService(requestLoop, "request-loop");
    private final Scheduler lettuceIo = Schedulers.newSingle("lettuce-io");
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Timer latency = meters.timer("latency");

    @AfterEach
    void stop() {
        lettuceIo.dispose();
        requestLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private Thread loopThread() {
        AtomicReference<Thread> thread = new AtomicReference<>();
        requestLoop.submit(() -> thread.set(Thread.currentThread())).syncUninterruptibly();
        return thread.get();
    }

    @Test
    void answerArrivesOnTheRequestsEventLoopNotOnTheRedisClientsThread() {
        Thread loop = loopThread();
        RedisGuard guard = new RedisGuard(CircuitBreaker.ofDefaults("redis"), Duration.ofSeconds(1), latency);
        AtomicReference<Thread> emittedOn = new AtomicReference<>();
        Mono<String> answer = Mono.fromCallable(() -> {
            emittedOn.set(Thread.currentThread());
            return "verdict";
        }).subscribeOn(lettuceIo);

        StepVerifier.create(guard.protect(answer, requestThread).map(v -> v + " on " + Thread.currentThread().getName()))
                .assertNext(v -> assertThat(v).isEqualTo("verdict on " + loop.getName()))
                .verifyComplete();
        assertThat(emittedOn.get().getName()).startsWith("lettuce-io");
        assertThat(latency.count()).isEqualTo(1);
        assertThat(guard.breaker().getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
    }

    @Test
    void aCallPastItsTimeLimitFailsOnTheRequestsEventLoopAndCountsAgainstTheBreaker() {
        Thread loop = loopThread();
        RedisGuard guard = new RedisGuard(CircuitBreaker.ofDefaults("redis"), Duration.ofMillis(50), latency);
        AtomicReference<Thread> failedOn = new AtomicReference<>();

        StepVerifier.create(guard.protect(Mono.never(), requestThread)
                        .doOnError(e -> failedOn.set(Thread.currentThread())))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));
        assertThat(failedOn.get()).isSameAs(loop);
        assertThat(latency.count()).isZero();
        assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
    }
}
