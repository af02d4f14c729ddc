package io.limitguard.testsupport;

import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/** {@code redis:7} under Testcontainers, bound to a fixed host port so that a restart keeps its address. */
final class ContainerRedis implements RedisFixture {

    private final GenericContainer<?> container;
    private final int port;

    private ContainerRedis(GenericContainer<?> container, int port) {
        this.container = container;
        this.port = port;
    }

    @SuppressWarnings("resource")
    static ContainerRedis start() {
        int port = Fixtures.freePort();
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse("redis:7"))
                .withCommand("redis-server", "--save", "", "--appendonly", "no")
                .withExposedPorts(6379);
        container.setPortBindings(List.of(port + ":6379"));
        container.start();
        return new ContainerRedis(container, port);
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void kill() {
        DockerClientFactory.instance().client().killContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void freeze() {
        DockerClientFactory.instance().client().pauseContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void thaw() {
        DockerClientFactory.instance().client().unpauseContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void restart() {
        var docker = DockerClientFactory.instance().client();
        var state = docker.inspectContainerCmd(container.getContainerId()).exec().getState();
        if (Boolean.TRUE.equals(state.getPaused())) {
            thaw();
        }
        if (Boolean.TRUE.equals(state.getRunning())) {
            kill();
        }
        docker.startContainerCmd(container.getContainerId()).exec();
        Fixtures.await("redis container on port " + port, java.time.Duration.ofSeconds(30), () -> Fixtures.accepts(port));
    }

    @Override
    public void close() {
        container.stop();
    }
}
