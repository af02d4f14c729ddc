package io.limitguard.dashboard.counts;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.dashboard.config.DashboardProperties;
import io.limitguard.events.CountsUpdate;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.OutcomeCounts;
import io.limitguard.events.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A record on limitguard.counts that is JSON but lacks required fields (no id, no counts) must be
 * skipped like unreadable bytes, not handed to the subscribers: a route-filtered live stream (SSE or
 * RSocket) must not die of it.
 */
class MalformedCountsUpdateTest {

    @Test
    void anUpdateWithoutIdOrCountsIsSkippedAndFilteredStreamsGoOn() {
        CountsHub hub = new CountsHub(new DashboardProperties(16, Duration.ofSeconds(15), 0, "test", Duration.ofSeconds(30), 8192), new SimpleMeterRegistry());
        List<CountsUpdate> received = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Disposable stream = hub.stream("demo").subscribe(live -> received.add(live.update()), errors::add);
        try {
            // What CountsConsumer does with a record: its ErrorHandlingDeserializer skips what the serde refuses.
            byte[] malformed = "{\"v\":1,\"dimension\":\"ROUTE\",\"step\":\"1s\"}".getBytes(StandardCharsets.UTF_8);
            CountsUpdate parsed;
            try {
                parsed = new JsonSerde.CountsUpdateSerde().deserialize(Topics.COUNTS, malformed);
            } catch (SerializationException skipped) {
                parsed = null;
            }
            if (parsed != null) {
                hub.publish(parsed);
            }
            CountsUpdate good = new CountsUpdate(CountsUpdate.VERSION, CountsUpdate.Dimension.ROUTE, "demo", "1s",
                    1_800_000_000_000L, 1_800_000_001_000L, new OutcomeCounts(1, 0, 0, 0, 0, 0, 0));
            hub.publish(good);

            assertThat(errors).isEmpty();
            assertThat(received).containsExactly(good);
        } finally {
            stream.dispose();
        }
    }
}
