package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * {@code limitguard.redis.cluster.*} and {@code limitguard.redis.batch-size}: bind as documented; an invalid
 * value stops start-up naming the field.
 */
class RedisClusterPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(LimitGuardProperties.class)
    static class Bind {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bind.class);

    @Test
    void standaloneByDefault() {
        runner.run(context -> {
            RedisProperties redis = context.getBean(LimitGuardProperties.class).redis();
            assertThat(redis.cluster().enabled()).isFalse();
            assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:6379");
        });
        runner.withPropertyValues("limitguard.redis.uri=redis://10.0.0.1:6380").run(context ->
                assertThat(context.getBean(LimitGuardProperties.class).redis().cluster().enabled()).isFalse());
    }

    @Test
    void seedNodesMakeItACluster() {
        runner.withPropertyValues("limitguard.redis.cluster.nodes=redis://10.0.0.1:7000,rediss://10.0.0.2:7001",
                "limitguard.redis.cluster.refresh-period=30s").run(context -> {
                    RedisClusterProperties cluster = context.getBean(LimitGuardProperties.class).redis().cluster();
                    assertThat(cluster.enabled()).isTrue();
                    assertThat(cluster.nodes()).containsExactly("redis://10.0.0.1:7000", "rediss://10.0.0.2:7001");
                    assertThat(cluster.refreshPeriod()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(cluster.adaptiveRefreshInterval()).isEqualTo(Duration.ofSeconds(1));
                });
    }

    @Test
    void invalidNodesAndDurationsNameTheField() {
        assertStartupFails("limitguard.redis.cluster.nodes[1]: 'http://10.0.0.2:7001' must start with redis:// or rediss://",
                "limitguard.redis.cluster.nodes=redis://10.0.0.1:7000,http://10.0.0.2:7001");
        assertStartupFails("limitguard.redis.cluster.nodes[0]: 'redis://10.0.0.1:7000/3' names database 3; "
                + "a cluster has only database 0", "limitguard.redis.cluster.nodes=redis://10.0.0.1:7000/3");
        assertStartupFails("limitguard.redis.cluster.refresh-period must be > 0, was PT0S",
                "limitguard.redis.cluster.nodes=redis://10.0.0.1:7000", "limitguard.redis.cluster.refresh-period=0s");
        assertStartupFails("limitguard.redis.cluster.adaptive-refresh-interval must be > 0, was PT-1S",
                "limitguard.redis.cluster.nodes=redis://10.0.0.1:7000",
                "limitguard.redis.cluster.adaptive-refresh-interval=-1s");
    }

    @Test
    void batchSizeIs32ByDefaultAndBetween1And256() {
        runner.run(context -> assertThat(context.getBean(LimitGuardProperties.class).redis().batchSize()).isEqualTo(32));
        runner.withPropertyValues("limitguard.redis.batch-size=1").run(context ->
                assertThat(context.getBean(LimitGuardProperties.class).redis().batchSize()).isEqualTo(1));
        assertStartupFails("limitguard.redis.batch-size must be between 1 and 256, was 0", "limitguard.redis.batch-size=0");
        assertStartupFails("limitguard.redis.batch-size must be between 1 and 256, was 257", "limitguard.redis.batch-size=257");
    }

    private void assertStartupFails(String message, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessage(message);
        });
    }
}
