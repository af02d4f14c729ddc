package io.limitguard.testsupport;

/**
 * A real Kafka cluster (KRaft) for a test, that the test may kill and restart broker by broker.
 *
 * <pre>{@code
 * static KafkaFixture kafka = KafkaFixture.start();      // one broker
 * static KafkaFixture three = KafkaFixture.start(3);     // three brokers, each also a controller
 * ... kafka.bootstrapServers() ... kafka.killBroker(0); ... kafka.restartBroker(0); ...
 * }</pre>
 *
 * <p>A single broker runs under Testcontainers ({@code apache/kafka}) where a Docker engine answers;
 * otherwise, and always for several brokers, each broker is a child JVM running {@code kafka.Kafka}
 * from the {@code kafka_2.13} jars on the test class path (see {@link Fixtures}). Ports and data
 * directories stay the same across restarts, so a restarted broker keeps its log.
 */
public interface KafkaFixture extends AutoCloseable {

    static KafkaFixture start() {
        return start(1);
    }

    static KafkaFixture start(int brokers) {
        if (brokers == 1 && Fixtures.useContainers()) {
            return ContainerKafka.start();
        }
        return ProcessKafka.start(brokers);
    }

    String bootstrapServers();

    int brokers();

    /** SIGKILL one broker (index from 0). */
    void killBroker(int index);

    /**
     * SIGTERM one broker and wait for its clean shutdown (it flushes its log first). Unlike
     * {@link #killBroker}, a single broker stopped this way loses nothing it acknowledged.
     */
    void stopBroker(int index);

    /** Starts a killed broker again on the same port and data directory; waits until it serves. */
    void restartBroker(int index);

    default void killAll() {
        for (int i = 0; i < brokers(); i++) {
            killBroker(i);
        }
    }

    default void restartAll() {
        for (int i = 0; i < brokers(); i++) {
            restartBroker(i);
        }
    }

    @Override
    void close();
}
