package io.limitguard.testsupport;

import java.time.Duration;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** One {@code apache/kafka} broker under Testcontainers, bound to a fixed host port so a restart keeps its address. */
final class ContainerKafka implements KafkaFixture {

    private final KafkaContainer container;
    private final int port;

    private ContainerKafka(KafkaContainer container, int port) {
        this.container = container;
        this.port = port;
    }

    @SuppressWarnings("resource")
    static ContainerKafka start() {
        int port = Fixtures.freePort();
        KafkaContainer container = new KafkaContainer("apache/kafka:4.1.2");
        container.setPortBindings(List.of(port + ":9092"));
        container.start();
        return new ContainerKafka(container, port);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public int brokers() {
        return 1;
    }

    @Override
    public void killBroker(int index) {
        DockerClientFactory.instance().client().killContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void stopBroker(int index) {
        DockerClientFactory.instance().client().stopContainerCmd(container.getContainerId()).withTimeout(60).exec();
    }

    @Override
    public void restartBroker(int index) {
        var docker = DockerClientFactory.instance().client();
        if (Boolean.TRUE.equals(docker.inspectContainerCmd(container.getContainerId()).exec().getState().getRunning())) {
            killBroker(index);
        }
        docker.startContainerCmd(container.getContainerId()).exec();
        Fixtures.await("Kafka container on port " + port, Duration.ofSeconds(60), () -> Fixtures.accepts(port));
    }

    @Override
    public void close() {
        container.stop();
    }
}
