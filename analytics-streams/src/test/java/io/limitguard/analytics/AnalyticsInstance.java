package io.limitguard.analytics;

import io.limitguard.testsupport.Fixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/** One analytics app (own port, own state dir) inside the test JVM, started like production. */
final class AnalyticsInstance implements AutoCloseable {

    final int port;
    final ConfigurableApplicationContext context;

    private AnalyticsInstance(int port, ConfigurableApplicationContext context) {
        this.port = port;
        this.context = context;
    }

    /** Test-friendly settings: fast commits, small cache. */
    static List<String> args(String bootstrapServers, String applicationId, Path stateDir, int port) {
        return new ArrayList<>(List.of(
                "--server.port=" + port,
                "--spring.kafka.bootstrap-servers=" + bootstrapServers,
                "--limitguard.analytics.application-id=" + applicationId,
                "--limitguard.analytics.state-dir=" + stateDir,
                "--limitguard.analytics.application-server=127.0.0.1:" + port,
                "--limitguard.analytics.commit-interval=100ms",
                "--limitguard.analytics.cache-max-bytes=64KB",
                "--limitguard.analytics.query-retry-timeout=10s",
                // A member that vanished without leaving is noticed quickly (broker minimum: 6 s).
                "--spring.kafka.streams.properties.session.timeout.ms=6000",
                "--spring.kafka.streams.properties.heartbeat.interval.ms=1000"));
    }

    static AnalyticsInstance start(String bootstrapServers, String applicationId, Path stateDir, Map<String, String> extra) {
        int port = Fixtures.freePort();
        List<String> args = args(bootstrapServers, applicationId, stateDir, port);
        extra.forEach((k, v) -> args.add("--" + k + "=" + v));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(AnalyticsApplication.class)
                .run(args.toArray(String[]::new));
        return new AnalyticsInstance(port, context);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    WebTestClient http() {
        return WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(30)).build();
    }

    KafkaStreams streams() {
        return context.getBean(KafkaStreams.class);
    }

    @Override
    public void close() {
        context.close();
    }
}
