package io.limitguard.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** One process the launcher started: its name, its log file, and a stop that never leaves it behind. */
final class ChildProcess {

    /**
     * Ctrl-C signals the terminal's whole foreground process group. Children in that group would get the
     * SIGINT at the same moment as the launcher, so Redis and Kafka would stop while the services still
     * flush to them. Where {@code setsid} exists (Linux) each child gets its own session: only the launcher
     * sees Ctrl-C and stops them in order. {@code setsid} execs in place (the child is no group leader), so
     * the pid stays the child's.
     */
    private static final String SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static ChildProcess start(String name, List<String> command, Path log) {
        try {
            Files.createDirectories(log.getParent());
            if (Files.exists(log)) {
                // keep the previous run's log: "check the named log, then retry" must not lose it
                Files.move(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
            }
            List<String> cmd = new ArrayList<>(command);
            if (SETSID != null) {
                cmd.add(0, SETSID);
            }
            Process process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            return new ChildProcess(name, process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + ": " + command, e);
        }
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Process process() {
        return process;
    }

    /** SIGTERM (graceful: Spring and Kafka shut down cleanly), nothing else. */
    void terminate() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
    }

    /** Waits for the exit after {@link #terminate()}; SIGKILL when it takes longer than the grace period. */
    void awaitExit(long graceSeconds) {
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                System.err.println("[launcher] " + name + " did not stop within " + graceSeconds + " s, killing it");
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** The last lines of the log, to show why a process failed. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log at " + log + ")";
        }
    }
}
