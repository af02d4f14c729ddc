package io.limitguard.analytics.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.analytics.topology.Step;
import io.limitguard.analytics.streams.StreamsSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

/** Defaults as documented, and invalid settings stop start-up with a message naming the property. */
class AnalyticsPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(AnalyticsProperties.class)
    static class Props {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Props.class)
            .withPropertyValues("limitguard.analytics.state-dir=/tmp/x", "limitguard.analytics.application-server=host-a:8082");

    @Test
    void defaultsAreTheDocumentedOnes() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            AnalyticsProperties p = context.getBean(AnalyticsProperties.class);
            assertThat(p.applicationId()).isEqualTo("limitguard-analytics");
            assertThat(p.retention(Step.SECOND)).isEqualTo(Duration.ofHours(1));
            assertThat(p.retention(Step.MINUTE)).isEqualTo(Duration.ofDays(7));
            assertThat(p.retention(Step.HOUR)).isEqualTo(Duration.ofDays(90));
            assertThat(p.grace()).isEqualTo(Duration.ofMinutes(2));
            assertThat(p.topN()).isEqualTo(100);
            assertThat(p.commitInterval()).isEqualTo(Duration.ofMillis(100));
            assertThat(p.maxWindowsPerQuery()).isEqualTo(20_000);
            assertThat(p.writeTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(p.maxConcurrentQueries()).isEqualTo(64);
            assertThat(p.maxConnections()).isEqualTo(8192);
            assertThat(p.standbyReplicas()).isZero();
            assertThat(p.topicReplicationFactor()).isNull();
            assertThat(p.topicMinInsyncReplicas()).isNull();
            assertThat(p.internalReplicationFactor()).isNull();
            // unset = Kafka Streams' and the broker's own defaults, not a value of ours
            Properties streams = StreamsSettings.of(p, Map.of());
            assertThat(streams).containsEntry(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 0)
                    .doesNotContainKey(StreamsConfig.REPLICATION_FACTOR_CONFIG)
                    .doesNotContainKey(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG));
        });
    }

    @Test
    void retentionShorterThanWindowPlusGraceStopsStartUpNamingTheProperty() {
        runner.withPropertyValues("limitguard.analytics.retention.minute=1m").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("limitguard.analytics.retention.minute must be at least 1m + grace (PT3M)");
        });
    }

    @Test
    void badValuesStopStartUpNamingTheProperty() {
        runner.withPropertyValues("limitguard.analytics.application-server=no-port").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("applicationServer")
                    .hasStackTraceContaining("must be host:port");
        });
        runner.withPropertyValues("limitguard.analytics.top-n=0").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("topN");
        });
        runner.withPropertyValues("limitguard.analytics.write-timeout=0s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("writeTimeout");
        });
        for (String bound : new String[] {"0", "10001"}) {
            runner.withPropertyValues("limitguard.analytics.max-concurrent-queries=" + bound).run(context -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).hasStackTraceContaining("maxConcurrentQueries");
            });
        }
        Map.of("commit-interval", "commitInterval", "query-retry-timeout", "queryRetryTimeout").forEach((property, field) ->
                runner.withPropertyValues("limitguard.analytics." + property + "=-1ms").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).hasStackTraceContaining(field);
                }));
        runner.withPropertyValues("limitguard.analytics.max-connections=0").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining(
                    "limitguard.analytics.max-connections must be at least 1, or -1 for no cap, was 0");
        });
        runner.withPropertyValues("limitguard.analytics.grace=-1s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("limitguard.analytics.grace must not be negative");
        });
    }

    @Test
    void aMisspeltPropertyStopsStartUpNamingIt() {
        runner.withPropertyValues("limitguard.analytics.retention.minut=30d").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(UnboundConfigurationPropertiesException.class)
                    .hasMessageContaining("limitguard.analytics.retention.minut");
        });
        runner.withPropertyValues("limitguard.analytics.comit-interval=1s").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessageContaining("limitguard.analytics.comit-interval"));
    }

    @Test
    void theDashboardsSettingsMayStandInTheSameFile() {
        runner.withPropertyValues("limitguard.analytics.url=http://analytics:8082", "limitguard.analytics.timeout=5s")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void replicationSettingsReachKafkaStreams() {
        runner.withPropertyValues("limitguard.analytics.internal-replication-factor=3",
                "limitguard.analytics.topic-replication-factor=3", "limitguard.analytics.topic-min-insync-replicas=2",
                "limitguard.analytics.standby-replicas=1").run(context -> {
            AnalyticsProperties p = context.getBean(AnalyticsProperties.class);
            assertThat(p.topicReplicationFactor()).isEqualTo((short) 3);
            assertThat(StreamsSettings.of(p, Map.of()))
                    .containsEntry(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1)
                    .containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3)
                    .containsEntry(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG), "2");
        });
    }

    @Test
    void minInsyncReplicasAboveTheReplicationFactorStopsStartUpNamingBoth() {
        runner.withPropertyValues("limitguard.analytics.topic-replication-factor=2",
                "limitguard.analytics.topic-min-insync-replicas=3").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining(
                    "limitguard.analytics.topic-min-insync-replicas (3) must not exceed limitguard.analytics.topic-replication-factor (2)");
        });
        runner.withPropertyValues("limitguard.analytics.topic-replication-factor=3",
                "limitguard.analytics.topic-min-insync-replicas=2", "limitguard.analytics.internal-replication-factor=1")
                .run(context -> assertThat(context.getStartupFailure()).rootCause().hasMessage(
                        "limitguard.analytics.topic-min-insync-replicas (2) must not exceed "
                                + "limitguard.analytics.internal-replication-factor (1): it applies to the internal topics too"));
        runner.withPropertyValues("limitguard.analytics.standby-replicas=-1").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("standbyReplicas");
        });
    }
}
