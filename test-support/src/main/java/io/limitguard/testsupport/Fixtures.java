package io.limitguard.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * How the fixtures run their servers: Testcontainers when a Docker engine answers, real local
 * processes otherwise. Force one with {@code -Dlimitguard.fixtures=containers|processes}
 * (or the environment variable {@code LIMITGUARD_FIXTURES}).
 */
public final class Fixtures {

    private static final Logger log = LoggerFactory.getLogger(Fixtures.class);
    private static volatile Boolean useContainers;

    private Fixtures() {
    }

    public static boolean useContainers() {
        Boolean answer = useContainers;
        if (answer == null) {
            String forced = System.getProperty("limitguard.fixtures", System.getenv("LIMITGUARD_FIXTURES"));
            if (forced != null && !forced.isBlank()) {
                answer = forced.toLowerCase(Locale.ROOT).startsWith("container");
            } else {
                answer = dockerAnswers();
            }
            log.info("Test fixtures run as {}", answer ? "Testcontainers" : "local processes");
            useContainers = answer;
        }
        return answer;
    }

    private static boolean dockerAnswers() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /**
     * A TCP port that was free a moment ago on 127.0.0.1, chosen below Linux's ephemeral range
     * (32768-60999). A server the tests kill and restart keeps its port meanwhile only if no one else
     * takes it: ports the OS hands out (port 0 binds, outgoing connections) never come from below the
     * range, and a client reconnecting to a dead port in the range can even connect to itself.
     */
    public static int freePort() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + PORTS.nextInt(12_000);
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress("127.0.0.1", port));
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port in 20000-31999 on 127.0.0.1");
    }

    private static final java.util.Random PORTS = new java.security.SecureRandom();

    static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(50); // polling an external process; there is nothing to subscribe to
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted waiting for " + what, e);
            }
        }
    }

    /**
     * The path of program {@code name}: the first executable one on {@code PATH}, then in {@code /usr/bin},
     * {@code /usr/local/bin} and {@code /usr/sbin} (where Debian puts it when {@code PATH} is bare).
     *
     * @throws IllegalStateException saying "{@code name} not found on PATH." and then {@code howToGetIt}
     */
    static String executable(String name, String howToGetIt) {
        return Stream.concat(Stream.of(System.getenv().getOrDefault("PATH", "").split(":")),
                        Stream.of("/usr/bin", "/usr/local/bin", "/usr/sbin"))
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst()
                .map(Path::toString)
                .orElseThrow(() -> new IllegalStateException(name + " not found on PATH. " + howToGetIt));
    }

    /** A new temporary directory; its owner deletes it with {@link #deleteRecursively} when closed. */
    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes a fixture's directory and everything in it, best effort. ({@code File.deleteOnExit} does not
     * delete a directory that is not empty: every Redis and Kafka fixture used to stay in the temp folder,
     * a Kafka one up to a few hundred MB.)
     */
    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a file still held open by a dying process: the rest still goes
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    /** Sends a POSIX signal (STOP, CONT, KILL) to a process. */
    static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void destroy(Process process) {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
