package io.limitguard.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C while the stack starts (Kafka takes a while to answer) must leave no process behind. */
class StopDuringStartTest {

    @TempDir
    Path home;

    @Test
    void aStopWhileKafkaStartsLeavesNoKafkaBehind() throws Exception {
        for (String module : List.of(DevLauncher.GATEWAY, DevLauncher.ANALYTICS, DevLauncher.DASHBOARD)) {
            // never started: the stop comes while Kafka starts, before any service
            Files.createDirectories(home.resolve(module).resolve("target"));
            Files.createFile(home.resolve(module).resolve("target").resolve(module + "-0.jar"));
        }
        LauncherOptions options = LauncherOptions.parse("--state-dir=" + home.resolve("state"), "--home=" + home,
                "--port-offset=" + FreePortOffset.find(), "--redis-uri=redis://127.0.0.1:1");
        LauncherOptions.Ports port = options.ports();
        DevLauncher launcher = new DevLauncher(options);
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread starter = new Thread(() -> {
            try {
                launcher.start();
            } catch (RuntimeException e) {
                failure.set(e); // expected once Kafka is stopped under it
            }
        }, "starter");
        starter.start();
        try {
            // Kafka's log appears when its JVM starts; it answers seconds later. Until then the only child is Kafka
            // (the log format ran to its end before; Redis is the given one; the services come after Kafka).
            Path kafkaLog = home.resolve("state/logs/kafka.log");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .failFast("start-up ended before Kafka started", () -> failure.get() != null)
                    .until(() -> Files.exists(kafkaLog));
            List<ProcessHandle> children = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
            assertThat(children).hasSize(1);
            ProcessHandle kafka = children.get(0);
            assertThat(Probes.accepts(port.kafka())).as("stopped before Kafka answers").isFalse();
            launcher.stop();
            await().atMost(Duration.ofSeconds(45)).until(() -> !kafka.isAlive());
            starter.join(Duration.ofSeconds(30).toMillis());
            assertThat(starter.isAlive()).isFalse();
            assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty();
        } finally {
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }
}
