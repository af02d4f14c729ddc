package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * {@code limitguard.redis.uri}: one Redis ({@code redis://}, {@code rediss://}) or the Sentinels that name the master
 * ({@code redis-sentinel://}, {@code rediss-sentinel://}, with {@code #master}); anything else stops start-up with a
 * message naming the property, and the message never shows a password.
 */
class RedisUriPropertyTest {

    private static final String SCHEMES = "must start with redis://, rediss://, redis-sentinel:// or rediss-sentinel://";
    private static final String NO_MASTER = "names no master: end it with #<name>, the name the Sentinels monitor the "
            + "master by (e.g. redis-sentinel://host:26379#mymaster)";

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(LimitGuardProperties.class)
    static class Bind {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bind.class);

    @Test
    void oneRedisOrTheSentinelsOfAMaster() {
        for (String uri : new String[] {"redis://10.0.0.1:6380", "rediss://user:pw@redis.example:6380/2",
                "redis-sentinel://s1:26379,s2:26379,s3#mymaster", "rediss-sentinel://pw@s1:26379/1#cache-master",
                "redis-sentinel://s1:26379?sentinelMasterId=mymaster"}) {
            runner.withPropertyValues("limitguard.redis.uri=" + uri).run(context ->
                    assertThat(context.getBean(LimitGuardProperties.class).redis().uri()).isEqualTo(uri));
        }
    }

    @Test
    void anythingElseStopsStartUpNamingTheProperty() {
        assertStartupFails("limitguard.redis.uri: 'http://x' " + SCHEMES, "http://x");
        assertStartupFails("limitguard.redis.uri: 'localhost:6379' " + SCHEMES, "localhost:6379");
        // a socket path: never documented, refused rather than half supported
        assertStartupFails("limitguard.redis.uri: 'redis-socket:///run/redis.sock' " + SCHEMES,
                "redis-socket:///run/redis.sock");
        assertStartupFails("limitguard.redis.uri: 'redis-sentinel://s1:26379' " + NO_MASTER, "redis-sentinel://s1:26379");
        assertStartupFails("limitguard.redis.uri: 'redis-sentinel://s1:26379,s2:26379/0#' " + NO_MASTER,
                "redis-sentinel://s1:26379,s2:26379/0#");
        assertStartupFails("limitguard.redis.uri: 'redis://h:99999' is not a Redis URI (Port out of range: 99999)",
                "redis://h:99999");
        assertStartupFails("limitguard.redis.uri: 'redis://' is not a Redis URI (Expected authority at index 8: redis://)",
                "redis://");
    }

    @Test
    void theMessageHidesThePassword() {
        assertStartupFails("limitguard.redis.uri: 'redis-sentinel://***@s1:26379' " + NO_MASTER,
                "redis-sentinel://s3cret@s1:26379");
        assertStartupFails("limitguard.redis.uri: 'redis://***@h/x' is not a Redis URI (For input string: \"x\")",
                "redis://user:s3cret@h/x");
        runner.withPropertyValues("limitguard.redis.uri=redis://user:s3 cret@h").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().message()
                    .startsWith("limitguard.redis.uri: 'redis://***@h' is not a Redis URI").doesNotContain("s3");
        });
    }

    @Test
    void theClusterSeedNodesTakeOneServerEach() {
        runner.withPropertyValues("limitguard.redis.cluster.nodes=redis-sentinel://s1:26379#mymaster").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessage("limitguard.redis.cluster.nodes[0]: "
                    + "'redis-sentinel://s1:26379#mymaster' must start with redis:// or rediss://");
        });
    }

    @Test
    void hidesPasswordsOnlyWhereThereAreSome() {
        assertThat(RedisUris.withoutPassword("redis://h:6379/0")).isEqualTo("redis://h:6379/0");
        assertThat(RedisUris.withoutPassword("redis://h:6379/0#a@b")).isEqualTo("redis://h:6379/0#a@b");
        assertThat(RedisUris.withoutPassword("rediss://u:p@h")).isEqualTo("rediss://***@h");
        assertThat(RedisUris.withoutPassword("no scheme@h")).isEqualTo("no scheme@h");
    }

    private void assertStartupFails(String message, String uri) {
        runner.withPropertyValues("limitguard.redis.uri=" + uri).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessage(message);
        });
    }
}
