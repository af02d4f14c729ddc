package io.limitguard.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.testsupport.Fixtures;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.kafka.core.ProducerFactory;

/**
 * The wiring: Boot's {@code spring.kafka.*} drives the producer, {@code limitguard.kafka.enabled=false}
 * means no sink and no connection, start-up does not wait for Kafka, bad settings stop start-up.
 * No broker: Kafka is an unused port, or a socket that accepts and never answers (a hung broker).
 */
class DecisionEventsConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, ValidationAutoConfiguration.class))
            .withUserConfiguration(DecisionEventsConfiguration.class)
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues("limitguard.kafka.close-timeout=1s");

    @Test
    void publishesThroughSpringKafkaBootstrapServersAndStartsWithoutWaitingForAHungBroker() throws IOException {
        try (ServerSocketChannel hungKafka = listen()) {
            runner.withPropertyValues("spring.kafka.bootstrap-servers=" + address(hungKafka)).run(context -> {
                assertThat(context).hasNotFailed().hasSingleBean(KafkaDecisionPublisher.class);
                DecisionSink sink = context.getBeanProvider(DecisionSink.class).getIfAvailable(() -> DecisionSink.NONE);
                assertThat(sink).isSameAs(context.getBean(KafkaDecisionPublisher.class));

                sink.accept(TestDecisions.events("wiring", 1).get(0));
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                assertThat(registry.get("limitguard.events.decisions").functionCounter().count()).isEqualTo(1);
                assertThat(registry.get("limitguard.events.in.flight").gauge().value()).isEqualTo(1);
                // the producer and admin client go where spring.kafka.bootstrap-servers says
                await().atMost(Duration.ofSeconds(10)).until(() -> accepted(hungKafka));
            });
        }
    }

    @Test
    void disabledMeansNoSinkAndNoConnection() throws IOException {
        try (ServerSocketChannel kafka = listen()) {
            runner.withPropertyValues("limitguard.kafka.enabled=false", "spring.kafka.bootstrap-servers=" + address(kafka))
                    .run(context -> {
                        assertThat(context).hasNotFailed()
                                .doesNotHaveBean(DecisionSink.class)
                                .doesNotHaveBean(KafkaDecisionPublisher.class);
                        assertThat(context.getBeanProvider(DecisionSink.class).getIfAvailable(() -> DecisionSink.NONE))
                                .isSameAs(DecisionSink.NONE);
                        assertThat(context.getBean(MeterRegistry.class).find("limitguard.events.decisions").meter()).isNull();
                        // Boot's KafkaAdmin and producer factory exist, but nothing of them connects
                        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> !accepted(kafka));
                    });
        }
    }

    @Test
    void anInvalidSettingStopsStartUpNamingIt() {
        runner.withPropertyValues("limitguard.kafka.queue-capacity=0").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("limitguard.kafka")
                        .hasMessageContaining("queueCapacity"));
        runner.withPropertyValues("limitguard.kafka.topics.replication-factor=0").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("replicationFactor"));
        runner.withPropertyValues("limitguard.kafka.close-timeout=-1s").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("closeTimeout"));
        runner.withPropertyValues("limitguard.kafka.topics.retry-interval=0s").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("retryInterval"));
        runner.withPropertyValues("limitguard.kafka.topics.replication-factor=2",
                "limitguard.kafka.topics.min-insync-replicas=3").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining(
                        "limitguard.kafka.topics.min-insync-replicas (3) must not exceed limitguard.kafka.topics.replication-factor (2)"));
        runner.withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:" + Fixtures.freePort(),
                "spring.kafka.producer.compression-type=snappyy").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("compression.type")
                        .hasMessageContaining("snappyy"));
    }

    @Test
    void producerSettingsAreBootsWithLimitGuardsDefaultsAndRequirements() {
        runner.withPropertyValues("limitguard.kafka.enabled=false").run(context -> {
            Map<String, Object> settings = ProducerSettings.from(
                    context.getBean(ProducerFactory.class).getConfigurationProperties());
            assertThat(settings)
                    .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                    .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                    .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
                    .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 20)
                    .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 250)
                    .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        });
        runner.withPropertyValues("limitguard.kafka.enabled=false",
                "spring.kafka.producer.compression-type=zstd",
                "spring.kafka.producer.acks=1",
                "spring.kafka.producer.properties.linger.ms=5",
                "spring.kafka.producer.properties.request.timeout.ms=60000").run(context -> {
            Map<String, Object> settings = ProducerSettings.from(
                    context.getBean(ProducerFactory.class).getConfigurationProperties());
            assertThat(settings)
                    .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd")  // the user's choice
                    .containsEntry(ProducerConfig.LINGER_MS_CONFIG, "5")
                    .containsEntry(ProducerConfig.ACKS_CONFIG, "all")               // idempotence needs it
                    .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                    .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000); // >= linger + request timeout
        });
    }

    private static ServerSocketChannel listen() throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        channel.configureBlocking(false);
        return channel;
    }

    private static String address(ServerSocketChannel channel) throws IOException {
        return "127.0.0.1:" + ((InetSocketAddress) channel.getLocalAddress()).getPort();
    }

    private static boolean accepted(ServerSocketChannel channel) throws IOException {
        SocketChannel client = channel.accept(); // non-blocking: null when nobody has connected
        if (client == null) {
            return false;
        }
        client.close();
        return true;
    }
}
