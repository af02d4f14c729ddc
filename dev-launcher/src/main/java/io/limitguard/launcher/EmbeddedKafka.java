package io.limitguard.launcher;

import io.limitguard.events.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka (combined broker + controller, KRaft) as a child JVM running
 * {@code kafka.Kafka} from the launcher's own class path. The log lives in {@code <state>/kafka} and is
 * formatted only once, so topics and Kafka Streams changelogs survive a restart.
 */
final class EmbeddedKafka {

    static final int TOPIC_PARTITIONS = 3;

    private EmbeddedKafka() {
    }

    /** Starts Kafka and waits until it answers; {@code started} learns of the process before that wait. */
    static ChildProcess start(Path stateDir, int port, int controllerPort, Consumer<ChildProcess> started) {
        Path dir = stateDir.resolve("kafka");
        Path data = dir.resolve("data");
        Path config = dir.resolve("server.properties");
        Path logs = stateDir.resolve("logs");
        try {
            Files.createDirectories(data);
            Files.writeString(config, properties(data, port, controllerPort));
            Files.writeString(dir.resolve("logback.xml"), LOGBACK);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the Kafka configuration in " + dir, e);
        }
        List<String> jvm = List.of("-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
                "-Dkafka.logs.dir=" + logs);
        if (!Files.exists(data.resolve("meta.properties"))) {
            format(config, jvm, logs.resolve("kafka-format.log"));
        }
        ChildProcess kafka = ChildProcess.start("kafka",
                JavaCommand.ownClassPath("kafka.Kafka", jvm, List.of(config.toString())), logs.resolve("kafka.log"));
        started.accept(kafka);
        String bootstrap = "127.0.0.1:" + port;
        Probes.await("Kafka on port " + port, Duration.ofMinutes(2), kafka,
                () -> Probes.accepts(port) && brokerAnswers(bootstrap));
        createTopics(bootstrap);
        return kafka;
    }

    /**
     * The LimitGuard topics exist before any service starts: the gateway never waits for Kafka (it drops
     * and counts events it cannot hand over within a few hundred ms), so topics created only when the
     * first event arrives would cost the first events. Same partition count as the services' defaults.
     */
    static void createTopics(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = Stream.of(Topics.DECISIONS, Topics.COUNTS, Topics.DECISIONS_DLQ)
                    .filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, TOPIC_PARTITIONS, (short) 1))
                    .toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new Probes.LaunchException("Cannot create the LimitGuard topics on " + bootstrap + ": " + e);
        }
    }

    private static void format(Path config, List<String> jvm, Path log) {
        String clusterId = Uuid.randomUuid().toString();
        ChildProcess format = ChildProcess.start("kafka-format", JavaCommand.ownClassPath("kafka.tools.StorageTool",
                jvm, List.of("format", "-t", clusterId, "-c", config.toString())), log);
        try {
            if (!format.process().waitFor(2, TimeUnit.MINUTES) || format.process().exitValue() != 0) {
                format.terminate();
                throw new Probes.LaunchException("Formatting the Kafka log failed:\n" + format.tail(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            format.terminate();
            throw new Probes.LaunchException("Interrupted while formatting the Kafka log");
        }
    }

    private static boolean brokerAnswers(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    static String properties(Path data, int port, int controllerPort) {
        Map<String, String> props = new java.util.LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", data.toString());
        props.put("num.partitions", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "true");
        return "# Written by the LimitGuard dev launcher on every start.\n" + props.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n", "", "\n"));
    }

    private static final String LOGBACK = """
            <configuration>
              <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
              </appender>
              <root level="WARN"><appender-ref ref="OUT"/></root>
              <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
            </configuration>
            """;
}
