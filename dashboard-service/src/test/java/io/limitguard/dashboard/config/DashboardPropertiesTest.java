package io.limitguard.dashboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

/** Defaults, and invalid settings stop start-up naming the property. */
class DashboardPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({DashboardProperties.class, AnalyticsProperties.class})
    static class Config {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Config.class);

    @Test
    void defaults() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            DashboardProperties dashboard = context.getBean(DashboardProperties.class);
            assertThat(dashboard.subscriberBuffer()).isEqualTo(256);
            assertThat(dashboard.heartbeat()).isEqualTo(Duration.ofSeconds(15));
            assertThat(dashboard.rsocketTcpPort()).isEqualTo(7081);
            assertThat(dashboard.writeTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(dashboard.maxConnections()).isEqualTo(8192);
            AnalyticsProperties analytics = context.getBean(AnalyticsProperties.class);
            assertThat(analytics.baseUrl()).isEqualTo("http://localhost:8082");
            assertThat(analytics.timeout()).isEqualTo(Duration.ofSeconds(10));
        });
    }

    @Test
    void trailingSlashOfTheAnalyticsUrlIsIgnored() {
        runner.withPropertyValues("limitguard.analytics.url=https://analytics.internal:9443/")
                .run(context -> assertThat(context.getBean(AnalyticsProperties.class).baseUrl())
                        .isEqualTo("https://analytics.internal:9443"));
    }

    @Test
    void zeroSubscriberBufferStopsStartUpNamingTheField() {
        assertFailsNaming("limitguard.dashboard.subscriber-buffer=0", "subscriberBuffer");
    }

    @Test
    void tooShortHeartbeatStopsStartUpNamingTheField() {
        assertFailsNaming("limitguard.dashboard.heartbeat=0s", "heartbeat");
    }

    @Test
    void zeroWriteTimeoutStopsStartUpNamingTheField() {
        assertFailsNaming("limitguard.dashboard.write-timeout=0s", "writeTimeout");
    }

    @Test
    void aConnectionCapOfZeroStopsStartUpNamingTheProperty() {
        runner.withPropertyValues("limitguard.dashboard.max-connections=0").run(context ->
                assertThat(context).getFailure().hasStackTraceContaining(
                        "limitguard.dashboard.max-connections must be at least 1, or -1 for no cap, was 0"));
        runner.withPropertyValues("limitguard.dashboard.max-connections=-1").run(context ->
                assertThat(context.getBean(DashboardProperties.class).maxConnections()).isEqualTo(-1));
    }

    @Test
    void portOutOfRangeStopsStartUpNamingTheField() {
        assertFailsNaming("limitguard.dashboard.rsocket-tcp-port=70000", "rsocketTcpPort");
    }

    @Test
    void analyticsUrlThatIsNotAnHttpBaseUrlStopsStartUpNamingTheField() {
        assertFailsNaming("limitguard.analytics.url=ftp://analytics:21", "url");
        assertFailsNaming("limitguard.analytics.url=http://analytics:8082/api/v1", "url");
    }

    @Test
    void aMisspeltDashboardPropertyStopsStartUpNamingIt() {
        runner.withPropertyValues("limitguard.dashboard.heartbeet=5s").run(context -> assertThat(context.getStartupFailure())
                .rootCause().hasMessage("The elements [limitguard.dashboard.heartbeet] were left unbound."));
        // the analytics service's own properties may stand in the same file
        runner.withPropertyValues("limitguard.analytics.state-dir=/tmp/x").run(context -> assertThat(context).hasNotFailed());
    }

    private void assertFailsNaming(String property, String field) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining(property.substring(0, property.lastIndexOf('.')))
                    .hasMessageContaining("'" + field + "'");
        });
    }
}
