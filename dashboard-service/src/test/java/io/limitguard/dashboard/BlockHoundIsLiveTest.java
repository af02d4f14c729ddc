package io.limitguard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The BlockHound check of the integration tests is real: a deliberate sleep on a Reactor thread is caught. */
class BlockHoundIsLiveTest {

    @Test
    void aSleepOnANonBlockingThreadIsRecorded() {
        BlockingCalls.install();
        Mono.fromRunnable(BlockHoundIsLiveTest::sleepBriefly).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5));
        try {
            assertThat(BlockingCalls.seen().keySet()).anyMatch(call -> call.contains("sleep") && call.contains("sleepBriefly"));
        } finally {
            BlockingCalls.forget("sleepBriefly");
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
