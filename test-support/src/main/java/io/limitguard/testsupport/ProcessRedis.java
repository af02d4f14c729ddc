package io.limitguard.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's {@code redis-server} as a child process on a free port; with a config file of its own when the mode
 * needs one (Sentinel keeps its state in it and refuses to start without a writable one).
 */
final class ProcessRedis implements RedisFixture {

    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private final String config;
    private volatile Process process;
    private final Thread reaper = new Thread(this::close, "redis-fixture-reaper");

    private ProcessRedis(int port, Path dir, String config, List<String> extraArgs) {
        this.port = port;
        this.dir = dir;
        this.config = config;
        this.extraArgs = extraArgs;
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    static ProcessRedis start(String... extraArgs) {
        return startWithConfig(null, extraArgs);
    }

    /**
     * Starts with {@code config} (lines of redis.conf, or null for none) as its config file, written into its own
     * directory; the command-line arguments still come after it and win.
     */
    static ProcessRedis startWithConfig(String config, String... extraArgs) {
        ProcessRedis redis = new ProcessRedis(Fixtures.freePort(), Fixtures.tempDir("redis-fixture"), config,
                List.of(extraArgs));
        redis.launch();
        return redis;
    }

    static String redisServerBinary() {
        return Fixtures.executable("redis-server",
                "Install it (apt-get install redis-server) or run the tests where a Docker engine answers.");
    }

    private void launch() {
        List<String> cmd = new ArrayList<>(List.of(redisServerBinary()));
        if (config != null) {
            cmd.add(configFile().toString()); // must be the first argument
        }
        cmd.addAll(List.of(
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--protected-mode", "no",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--logfile", dir.resolve("redis.log").toString()));
        cmd.addAll(extraArgs);
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.out").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + cmd, e);
        }
        Fixtures.await("redis-server on port " + port, Duration.ofSeconds(15), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ": " + log());
            }
            return pong();
        });
    }

    /** Written once: a restart keeps what the server rewrote into it (Sentinel's view of the master). */
    private Path configFile() {
        Path file = dir.resolve("redis.conf");
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, config);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    private boolean pong() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    /** The process id, for tests that need to signal it themselves. */
    long pid() {
        return process.pid();
    }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    @Override
    public void kill() {
        Fixtures.destroy(process);
    }

    @Override
    public void freeze() {
        Fixtures.signal(process.pid(), "STOP");
    }

    @Override
    public void thaw() {
        Fixtures.signal(process.pid(), "CONT");
    }

    @Override
    public void restart() {
        kill();
        launch();
    }

    @Override
    public void close() {
        Process p = process;
        if (p != null && p.isAlive()) {
            Fixtures.signal(p.pid(), "CONT"); // a stopped process ignores SIGKILL until continued on some kernels
            Fixtures.destroy(p);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException alreadyShuttingDown) {
            // called from the hook itself
        }
        Fixtures.deleteRecursively(dir);
    }
}
