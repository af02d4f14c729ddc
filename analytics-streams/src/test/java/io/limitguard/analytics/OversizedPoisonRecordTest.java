package io.limitguard.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.analytics.config.AnalyticsConfiguration;
import io.limitguard.analytics.query.BlockRate;
import io.limitguard.analytics.query.WindowCounts;
import io.limitguard.events.DecisionEvent;
import io.limitguard.events.Outcome;
import io.limitguard.events.Topics;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.KafkaFixture;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A poison record larger than one Kafka request once decompressed: a producer that compresses can put
 * one on the decisions topic (the broker limits batches after compression), but the app's own producer
 * cannot copy it byte for byte to the dead-letter topic (its {@code max.request.size}, 1 MB, counts
 * uncompressed bytes). It must still be dead-lettered, counted and skipped, never stop the counting.
 */
class OversizedPoisonRecordTest {

    static KafkaFixture kafka;
    static AnalyticsInstance app;
    static WebTestClient http;

    @TempDir
    static Path stateDir;

    @BeforeAll
    static void start() {
        kafka = KafkaFixture.start();
        app = AnalyticsInstance.start(kafka.bootstrapServers(), "oversized-it", stateDir,
                Map.of("limitguard.analytics.topic-partitions", "1"));
        http = app.http();
    }

    @AfterAll
    static void stop() {
        Closing.all(app, kafka);
    }

    @Test
    void aPoisonRecordTooLargeToCopyIsDeadLetteredTruncatedAndTheAppKeepsCounting() {
        long base = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(2)).toEpochMilli();
        byte[] huge = new byte[2 * 1024 * 1024]; // zeros: unreadable, and lz4 makes a few KB of them
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(Topics.DECISIONS, "mallory".getBytes(StandardCharsets.UTF_8), huge));
            raw.flush();
        }
        DecisionEvent after = Decisions.event("after-huge", "per-ip", "zed", Outcome.ALLOWED, base + 1_000);
        Decisions.produce(kafka.bootstrapServers(), List.of(after));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(http.get().uri("/api/v1/block-rate?route=after-huge&step=1m&from=" + Instant.ofEpochMilli(base)
                                + "&to=" + Instant.ofEpochMilli(base + 60_000))
                        .exchange().expectStatus().isOk().expectBody(BlockRate.class).returnResult().getResponseBody()
                        .windows()).extracting(WindowCounts::allowed).containsExactly(1L));

        List<ConsumerRecord<byte[], byte[]>> dead = Decisions.deadLetters(kafka.bootstrapServers());
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).key()).isEqualTo("mallory".getBytes(StandardCharsets.UTF_8));
        assertThat(dead.get(0).value()).isEqualTo(new byte[64 * 1024]); // the first 64 KiB of it
        assertThat(new String(dead.get(0).headers().lastHeader("limitguard.dlq.error").value(), StandardCharsets.UTF_8))
                .contains("record of " + (huge.length + "mallory".length()) + " bytes");
        assertThat(app.context.getBean(MeterRegistry.class).counter(AnalyticsConfiguration.POISON_COUNTER).count())
                .isEqualTo(1.0);
        assertThat(app.streams().state().isRunningOrRebalancing()).isTrue();
    }
}
