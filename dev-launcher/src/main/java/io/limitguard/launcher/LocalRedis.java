package io.limitguard.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import redis.embedded.core.ExecutableProvider;

/**
 * A real Redis server as a child process: Debian's {@code redis-server} when it is on the PATH, else the
 * server binary bundled in the {@code embedded-redis} artifact (Redis 6.2, Linux/macOS). Limiter state
 * is short-lived by design, so nothing is persisted.
 */
final class LocalRedis {

    private LocalRedis() {
    }

    /** Starts Redis and waits for its PONG; {@code started} learns of the process before that wait. */
    static ChildProcess start(Path stateDir, int port, Consumer<ChildProcess> started) {
        Path dir = stateDir.resolve("redis");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String binary = onPath().orElseGet(LocalRedis::bundled);
        ChildProcess redis = ChildProcess.start("redis", List.of(binary, "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--protected-mode", "no", "--save", "", "--appendonly", "no",
                "--dir", dir.toString()), stateDir.resolve("logs/redis.log"));
        started.accept(redis);
        Probes.await("Redis (" + binary + ") on port " + port, Duration.ofSeconds(20), redis,
                () -> Probes.redisPong(port));
        return redis;
    }

    static Optional<String> onPath() {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .filter(p -> !p.isBlank())
                .map(p -> Path.of(p, "redis-server"))
                .filter(Files::isExecutable)
                .map(Path::toString)
                .findFirst();
    }

    private static String bundled() {
        try {
            return ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
        } catch (IOException | RuntimeException e) {
            throw new Probes.LaunchException("No redis-server on the PATH and the bundled Redis binary does not "
                    + "run on this OS/architecture (" + e.getMessage() + "). Install Redis or pass --redis-uri=...");
        }
    }
}
