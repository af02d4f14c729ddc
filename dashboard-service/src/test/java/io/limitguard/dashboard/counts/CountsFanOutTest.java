package io.limitguard.dashboard.counts;

import static io.limitguard.dashboard.TestInfra.routeUpdate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.dashboard.DashboardIntegrationTest;
import io.limitguard.dashboard.TestInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.LongStream;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;

/**
 * One Kafka consumer, many subscribers, one of them stuck: the stuck one loses its oldest updates,
 * while the consumer and every other subscriber carry on with everything.
 */
class CountsFanOutTest extends DashboardIntegrationTest {

    private static final int FAST_SUBSCRIBERS = 20;
    private static final int UPDATES = 1_000;

    @Autowired
    CountsHub hub;

    @Autowired
    MeterRegistry meters;

    @Test
    void aSubscriberThatNeverRequestsSlowsNeitherTheConsumerNorTheOthers() {
        String route = uniqueRoute("fanout");
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.subscriberCount() == 0);

        List<Queue<Long>> received = new ArrayList<>();
        List<Disposable> fast = new ArrayList<>();
        for (int i = 0; i < FAST_SUBSCRIBERS; i++) {
            Queue<Long> windows = new ConcurrentLinkedQueue<>();
            received.add(windows);
            fast.add(hub.stream(route).subscribe(live -> windows.add(live.update().windowStart())));
        }
        StuckSubscriber stuck = new StuckSubscriber();
        hub.stream(route).subscribe(stuck);
        assertThat(meters.get("limitguard.dashboard.subscribers").gauge().value()).isEqualTo(FAST_SUBSCRIBERS + 1);
        long publishedBefore = hub.publishedCount();
        long droppedBefore = hub.droppedCount();

        long t0 = 1_800_000_000_000L;
        List<Long> sent = LongStream.range(0, UPDATES).mapToObj(i -> t0 + i * 1000).toList();
        TestInfra.sendAll(sent.stream().map(start -> routeUpdate(route, start, 1, 0)).toList());

        try {
            // Every fast subscriber gets every update, in order, while the stuck one holds nothing up.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(received).allSatisfy(windows -> assertThat(windows).hasSize(UPDATES)));
            assertThat(received).allSatisfy(windows -> assertThat(List.copyOf(windows)).isEqualTo(sent));
            assertThat(hub.publishedCount() - publishedBefore).isEqualTo(UPDATES);

            // The stuck subscriber asked for one update: it got the first, its buffer keeps the newest
            // SUBSCRIBER_BUFFER, and exactly the rest were dropped (counted in the metric).
            assertThat(stuck.received).containsExactly(t0);
            assertThat(hub.droppedCount() - droppedBefore).isEqualTo(UPDATES - 1 - SUBSCRIBER_BUFFER);
            assertThat(meters.get("limitguard.dashboard.updates.dropped").counter().count())
                    .isEqualTo((double) hub.droppedCount());

            // What it still holds is the newest: asking for more delivers the last SUBSCRIBER_BUFFER windows.
            stuck.request(SUBSCRIBER_BUFFER);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(stuck.received).hasSize(1 + SUBSCRIBER_BUFFER));
            assertThat(stuck.received.subList(1, 1 + SUBSCRIBER_BUFFER))
                    .isEqualTo(sent.subList(UPDATES - SUBSCRIBER_BUFFER, UPDATES));
        } finally {
            fast.forEach(Disposable::dispose);
            stuck.dispose();
        }
    }

    /** Requests one update on subscription and then nothing (until the test says so). */
    static final class StuckSubscriber extends BaseSubscriber<LiveCounts> {
        final List<Long> received = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            subscription.request(1);
        }

        @Override
        protected void hookOnNext(LiveCounts value) {
            received.add(value.update().windowStart());
        }
    }
}
