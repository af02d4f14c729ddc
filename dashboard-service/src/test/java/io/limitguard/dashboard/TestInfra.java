package io.limitguard.dashboard;

import io.limitguard.events.CountsUpdate;
import io.limitguard.events.JsonSerde;
import io.limitguard.events.OutcomeCounts;
import io.limitguard.events.Topics;
import io.limitguard.testsupport.KafkaFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What every integration test of this module shares, started once per test run and closed at its end
 * (JUnit root store): one real Kafka broker with {@link Topics#COUNTS}, a producer, and a stand-in of
 * the analytics query API. Spring contexts that use them register here and are closed first, so no
 * consumer outlives its broker.
 */
public final class TestInfra implements BeforeAllCallback {

    private static volatile Resources resources;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .computeIfAbsent(TestInfra.class, key -> start(), Resources.class);
    }

    private static synchronized Resources start() {
        if (resources == null) {
            resources = new Resources();
        }
        return resources;
    }

    static Resources resources() {
        Resources current = resources;
        if (current == null) {
            throw new IllegalStateException("Annotate the test with @ExtendWith(TestInfra.class)");
        }
        return current;
    }

    public static String bootstrapServers() {
        return resources().kafka.bootstrapServers();
    }

    public static StandInAnalytics analytics() {
        return resources().analytics;
    }

    public static void closeWithInfra(ConfigurableApplicationContext context) {
        Resources current = resources();
        synchronized (current.contexts) {
            if (!current.contexts.contains(context)) {
                current.contexts.add(context);
            }
        }
    }

    /** Sends one update (key {@code route:<id>}) and waits for the broker's acknowledgement. */
    public static void send(CountsUpdate update) {
        sendRaw(update.topicKey(), new JsonSerde.CountsUpdateSerde().serialize(Topics.COUNTS, update));
    }

    /** Sends many updates in order (one key keeps one partition) and waits until all are acknowledged. */
    public static void sendAll(List<CountsUpdate> updates) {
        JsonSerde.CountsUpdateSerde serde = new JsonSerde.CountsUpdateSerde();
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
        for (CountsUpdate update : updates) {
            acks.add(resources().producer.send(new ProducerRecord<>(Topics.COUNTS, update.topicKey(),
                    serde.serialize(Topics.COUNTS, update))));
        }
        for (java.util.concurrent.Future<?> ack : acks) {
            try {
                ack.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("Could not produce to " + Topics.COUNTS, e);
            }
        }
    }

    public static void sendRaw(String key, byte[] value) {
        try {
            resources().producer.send(new ProducerRecord<>(Topics.COUNTS, key, value)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not produce to " + Topics.COUNTS, e);
        }
    }

    /** A 1 s route window starting at {@code windowStart} with the given allowed / blocked counts. */
    public static CountsUpdate routeUpdate(String route, long windowStart, long allowed, long blocked) {
        return new CountsUpdate(CountsUpdate.VERSION, CountsUpdate.Dimension.ROUTE, route, "1s", windowStart,
                windowStart + 1000, new OutcomeCounts(allowed, blocked, 0, 0, 0, 0, 0));
    }

    static final class Resources implements AutoCloseable {
        final KafkaFixture kafka = KafkaFixture.start();
        final KafkaProducer<String, byte[]> producer;
        final StandInAnalytics analytics = StandInAnalytics.start();
        final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

        Resources() {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                // Two partitions, so the consumer is shown to read every partition, not just one.
                admin.createTopics(List.of(new NewTopic(Topics.COUNTS, 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                close();
                throw new IllegalStateException("Could not create " + Topics.COUNTS, e);
            }
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.LINGER_MS_CONFIG, 0,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                    new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public void close() {
            synchronized (contexts) {
                contexts.forEach(ConfigurableApplicationContext::close);
                contexts.clear();
            }
            if (producer != null) {
                producer.close();
            }
            analytics.close();
            kafka.close();
            resources = null;
        }
    }
}
