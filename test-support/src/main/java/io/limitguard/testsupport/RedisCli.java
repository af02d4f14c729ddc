package io.limitguard.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code redis-cli} against a local server, for the fixtures that ask their servers about roles and
 * topology (cluster nodes, Sentinel's view of a master) in the servers' own words.
 */
final class RedisCli {

    private RedisCli() {
    }

    /** {@code redis-cli -p <port> <args...>}: its standard output; fails if it exits non-zero. */
    static String run(int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of(binary(), "-h", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            }
            return out.strip();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String binary() {
        return Fixtures.executable("redis-cli", "Install it (apt-get install redis-tools).");
    }
}
