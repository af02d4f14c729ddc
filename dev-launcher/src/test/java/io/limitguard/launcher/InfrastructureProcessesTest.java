package io.limitguard.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limitguard.events.Topics;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's own pieces against real processes: Kafka keeps its log across restarts, Redis answers. */
class InfrastructureProcessesTest {

    @TempDir
    Path state;

    @Test
    void kafkaIsFormattedOnceAndKeepsItsTopicsAcrossARestart() throws Exception {
        int port = freePort();
        int controller = freePort();
        ChildProcess kafka = EmbeddedKafka.start(state, port, controller, started -> { });
        try {
            try (Admin admin = admin(port)) {
                // the LimitGuard topics are there before any service starts
                assertThat(admin.describeTopics(List.of(Topics.DECISIONS, Topics.COUNTS, Topics.DECISIONS_DLQ))
                        .allTopicNames().get(30, TimeUnit.SECONDS).values())
                        .allSatisfy(t -> assertThat(t.partitions()).hasSize(EmbeddedKafka.TOPIC_PARTITIONS));
                admin.createTopics(List.of(new NewTopic("survives-restart", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
        } finally {
            kafka.terminate();
            kafka.awaitExit(30);
        }
        assertThat(kafka.isAlive()).isFalse();

        ChildProcess again = EmbeddedKafka.start(state, port, controller, started -> { });
        try (Admin admin = admin(port)) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("survives-restart");
        } finally {
            again.terminate();
            again.awaitExit(30);
        }
        assertThat(Probes.accepts(port)).isFalse();
    }

    @Test
    void redisStartsAnswersPingAndStops() throws Exception {
        int port = freePort();
        ChildProcess redis = LocalRedis.start(state, port, started -> { });
        assertThat(Probes.redisPong(port)).isTrue();
        redis.terminate();
        redis.awaitExit(10);
        assertThat(redis.isAlive()).isFalse();
        assertThat(Probes.redisPong(port)).isFalse();
    }

    @Test
    void theDemoUpstreamAnswersEveryPath() throws Exception {
        try (DemoUpstream upstream = DemoUpstream.start("127.0.0.1", 0)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + upstream.port() + "/hello/world")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"service\":\"demo-upstream\",\"path\":\"/hello/world\",\"served\":1}\n");
            assertThat(upstream.served()).isEqualTo(1);
        }
    }

    @Test
    void missingServiceJarsSayHowToBuildThem() {
        ServiceJars jars = ServiceJars.locate(Optional.of(state));
        assertThatThrownBy(() -> jars.jar("gateway-service"))
                .hasMessageContaining("No gateway-service jar in " + state.resolve("gateway-service/target"))
                .hasMessageContaining("./mvnw -B -DskipTests package");
    }

    private static Admin admin(int port) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
