package io.limitguard.testsupport;

/**
 * A real Redis server for a test, on its own port, that the test may kill, freeze and restart.
 *
 * <pre>{@code
 * static RedisFixture redis = RedisFixture.start();
 * ... redis.uri() ... redis.kill(); ... redis.restart(); ...
 * }</pre>
 *
 * <p>Runs {@code redis:7} under Testcontainers where a Docker engine answers, otherwise Debian's
 * {@code redis-server} as a child process (see {@link Fixtures}).
 */
public interface RedisFixture extends AutoCloseable {

    static RedisFixture start() {
        return Fixtures.useContainers() ? ContainerRedis.start() : ProcessRedis.start();
    }

    /** Always a local {@code redis-server} process, with extra server arguments (e.g. cluster mode). */
    static RedisFixture startProcess(String... extraArgs) {
        return ProcessRedis.start(extraArgs);
    }

    String host();

    int port();

    default String uri() {
        return "redis://" + host() + ":" + port();
    }

    /** SIGKILL: the server dies at once, connections are reset. */
    void kill();

    /** SIGSTOP (or docker pause): the server stays connected but answers nothing. */
    void freeze();

    /** Undoes {@link #freeze()}. */
    void thaw();

    /** Starts the server again on the same port, empty. Kills it first if it still runs. */
    void restart();

    @Override
    void close();
}
