package io.limitguard.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * Kafka brokers as child JVMs ({@code kafka.Kafka}, combined broker + controller, KRaft), on free
 * ports, with their logs in a temporary directory.
 */
final class ProcessKafka implements KafkaFixture {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final int[] brokerPorts;
    private final int[] controllerPorts;
    private final Path root;
    private final Process[] processes;
    private final Thread reaper = new Thread(this::close, "kafka-fixture-reaper");

    private ProcessKafka(int brokers) {
        this.brokerPorts = IntStream.range(0, brokers).map(i -> Fixtures.freePort()).toArray();
        this.controllerPorts = IntStream.range(0, brokers).map(i -> Fixtures.freePort()).toArray();
        this.root = Fixtures.tempDir("kafka-fixture");
        this.processes = new Process[brokers];
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    static ProcessKafka start(int brokers) {
        if (brokers < 1) {
            throw new IllegalArgumentException("brokers must be >= 1");
        }
        ProcessKafka kafka = new ProcessKafka(brokers);
        try {
            kafka.writeConfigs();
            kafka.format();
            for (int i = 0; i < brokers; i++) {
                kafka.processes[i] = kafka.launch("kafka.Kafka", i, kafka.config(i).toString());
            }
            kafka.awaitBrokers(brokers);
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }

    @Override
    public String bootstrapServers() {
        return IntStream.of(brokerPorts).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    @Override
    public int brokers() {
        return brokerPorts.length;
    }

    @Override
    public void killBroker(int index) {
        Fixtures.destroy(processes[index]);
    }

    @Override
    public void stopBroker(int index) {
        Process p = processes[index];
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                Fixtures.destroy(p);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Fixtures.destroy(p);
        }
    }

    @Override
    public void restartBroker(int index) {
        killBroker(index);
        processes[index] = launch("kafka.Kafka", index, config(index).toString());
        awaitBrokers(brokers());
    }

    @Override
    public void close() {
        for (Process p : processes) {
            Fixtures.destroy(p);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException alreadyShuttingDown) {
            // called from the hook itself
        }
        Fixtures.deleteRecursively(root);
    }

    private Path nodeDir(int i) {
        return root.resolve("node-" + i);
    }

    private Path config(int i) {
        return nodeDir(i).resolve("server.properties");
    }

    private void writeConfigs() {
        int n = brokers();
        String voters = IntStream.range(0, n)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts[i])
                .collect(Collectors.joining(","));
        int replication = Math.min(3, n);
        for (int i = 0; i < n; i++) {
            Map<String, String> props = new java.util.LinkedHashMap<>();
            props.put("process.roles", "broker,controller");
            props.put("node.id", Integer.toString(i + 1));
            props.put("controller.quorum.voters", voters);
            props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
            props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i]);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("log.dirs", nodeDir(i).resolve("data").toString());
            props.put("num.partitions", "1");
            props.put("offsets.topic.replication.factor", Integer.toString(replication));
            props.put("transaction.state.log.replication.factor", Integer.toString(replication));
            props.put("transaction.state.log.min.isr", Integer.toString(Math.min(2, replication)));
            props.put("share.coordinator.state.topic.replication.factor", Integer.toString(replication));
            props.put("share.coordinator.state.topic.min.isr", Integer.toString(Math.min(2, replication)));
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("auto.create.topics.enable", "true");
            props.put("log.flush.interval.messages", "1"); // a killed broker loses nothing it acknowledged
            try {
                Files.createDirectories(nodeDir(i));
                Files.writeString(config(i), props.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n", "", "\n")));
                Files.writeString(nodeDir(i).resolve("logback.xml"), LOGBACK);
                Files.writeString(nodeDir(i).resolve("log4j2.xml"), LOG4J2);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void format() {
        String clusterId = Uuid.randomUuid().toString();
        List<Process> formats = new ArrayList<>();
        for (int i = 0; i < brokers(); i++) {
            formats.add(launch("kafka.tools.StorageTool", i, "format", "-t", clusterId, "-c", config(i).toString()));
        }
        for (int i = 0; i < formats.size(); i++) {
            Process p = formats.get(i);
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    Fixtures.destroy(p);
                    throw new IllegalStateException("Formatting Kafka storage failed: " + output(i));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private Process launch(String mainClass, int node, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC",
                "-Djava.awt.headless=true",
                "-Dlogback.configurationFile=" + nodeDir(node).resolve("logback.xml"),
                "-Dlog4j2.configurationFile=" + nodeDir(node).resolve("log4j2.xml"),
                "-Dkafka.logs.dir=" + nodeDir(node).resolve("logs"),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        try {
            return new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(nodeDir(node).resolve("output.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + mainClass, e);
        }
    }

    private String output(int node) {
        try {
            String all = Files.readString(nodeDir(node).resolve("output.log"));
            return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private void awaitBrokers(int expected) {
        Fixtures.await("Kafka at " + bootstrapServers(), START_TIMEOUT, () -> {
            for (int i = 0; i < processes.length; i++) {
                if (processes[i] != null && !processes[i].isAlive()) {
                    throw new IllegalStateException("Kafka broker " + i + " exited: " + output(i));
                }
            }
            if (IntStream.of(brokerPorts).anyMatch(p -> !Fixtures.accepts(p))) {
                return false;
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
                return admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size() == expected;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static final String LOGBACK = """
            <configuration>
              <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
              </appender>
              <root level="WARN"><appender-ref ref="OUT"/></root>
            </configuration>
            """;

    private static final String LOG4J2 = """
            <Configuration status="WARN">
              <Appenders><Console name="OUT" target="SYSTEM_OUT"><PatternLayout pattern="%d{HH:mm:ss.SSS} %-5level %c{1} - %msg%n"/></Console></Appenders>
              <Loggers><Root level="warn"><AppenderRef ref="OUT"/></Root></Loggers>
            </Configuration>
            """;
}
