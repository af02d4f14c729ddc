package io.limitguard.analytics.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SpaceSavingTest {

    @Test
    void exactWhileKeysFitThenBoundedOverestimateAndHeavyHittersKept() {
        SpaceSaving exact = new SpaceSaving(3);
        for (String k : new String[] {"a", "b", "a", "c", "a", "b"}) {
            exact.offer(k);
        }
        assertThat(exact.entries()).containsExactly(new SpaceSaving.Entry("a", 3, 0), new SpaceSaving.Entry("b", 2, 0),
                new SpaceSaving.Entry("c", 1, 0));

        // Zipf-like stream with 5,000 distinct keys into 50 counters.
        SpaceSaving s = new SpaceSaving(50);
        Map<String, Long> truth = new HashMap<>();
        Random random = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            String key = "k" + (int) Math.floor(Math.pow(5_000, random.nextDouble()));
            s.offer(key);
            truth.merge(key, 1L, Long::sum);
        }
        assertThat(s.size()).isEqualTo(50);
        long min = s.entries().get(49).count();
        s.entries().forEach(e -> {
            assertThat(e.count()).isBetween(truth.get(e.key()), truth.get(e.key()) + min);
            assertThat(e.error()).isLessThanOrEqualTo(min);
        });
        truth.forEach((k, n) -> {
            if (n > min) {
                assertThat(s.entries()).extracting(SpaceSaving.Entry::key).as("key above the smallest counter is kept").contains(k);
            }
        });
    }

    @Test
    void serdeRoundTrips() {
        SpaceSaving s = new SpaceSaving(2);
        s.offer("ä-key");
        s.offer("b");
        s.offer("c"); // evicts one of the 1-counts
        SpaceSavingSerde serde = new SpaceSavingSerde();
        SpaceSaving back = serde.deserialize("t", serde.serialize("t", s));
        assertThat(back.capacity()).isEqualTo(2);
        assertThat(back.entries()).isEqualTo(s.entries());
    }
}
