package io.limitguard.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherOptionsTest {

    @Test
    void defaultsAreTheDesignPortsAndALocalStateDirectory() {
        LauncherOptions o = LauncherOptions.parse();
        assertThat(o.stateDir()).isEqualTo(Path.of(".limitguard").toAbsolutePath());
        assertThat(o.redisUri()).isEmpty();
        assertThat(o.demoTraffic()).isFalse();
        LauncherOptions.Ports p = o.ports();
        assertThat(new int[] {p.gateway(), p.gatewayHttps(), p.dashboard(), p.dashboardHttps(), p.analytics(),
                p.upstream(), p.redis(), p.kafka()}).containsExactly(8080, 8443, 8081, 8444, 8082, 8090, 6379, 9092);
    }

    @Test
    void optionsAreApplied(@TempDir Path dir) throws IOException {
        Path rules = Files.writeString(dir.resolve("rules.yml"), "limitguard: {}\n");
        LauncherOptions o = LauncherOptions.parse("--state-dir=/tmp/x", "--redis-uri=rediss://r:6380",
                "--demo-traffic", "--port-offset=10000", "--home=/src", "--gateway-config=" + rules);
        assertThat(o.stateDir()).isEqualTo(Path.of("/tmp/x"));
        assertThat(o.redisUri()).contains("rediss://r:6380");
        assertThat(o.demoTraffic()).isTrue();
        assertThat(o.ports().gateway()).isEqualTo(18080);
        assertThat(o.ports().kafkaController()).isEqualTo(19093);
        assertThat(o.home()).contains(Path.of("/src"));
        assertThat(o.gatewayConfig()).contains(rules);
    }

    @Test
    void theSentinelsOfARedisAreARedisToo() {
        String uri = "redis-sentinel://s1:26379,s2:26379#mymaster";
        assertThat(LauncherOptions.parse("--redis-uri=" + uri).redisUri()).contains(uri);
        assertThat(LauncherOptions.USAGE).contains("redis-sentinel://host:26379[,...]#master");
    }

    @Test
    void badOptionsAreNamedAndExitWithTwo() {
        assertThatThrownBy(() -> LauncherOptions.parse("--port-offset=abc", "--redis-uri=localhost:6379", "--bogus"))
                .isInstanceOfSatisfying(LauncherOptions.UsageException.class, e -> {
                    assertThat(e.exitCode).isEqualTo(2);
                    assertThat(e.getMessage()).contains("--port-offset must be a number, was abc",
                            "--redis-uri must start with redis://, rediss://, redis-sentinel:// or rediss-sentinel://, "
                                    + "was localhost:6379", "unknown option --bogus", "Usage:");
                });
        assertThatThrownBy(() -> LauncherOptions.parse("--state-dir"))
                .hasMessageContaining("--state-dir needs a value");
        assertThatThrownBy(() -> LauncherOptions.parse("--port-offset=60000"))
                .hasMessageContaining("--port-offset must be 0..50000");
        assertThatThrownBy(() -> LauncherOptions.parse("--gateway-config=/no/such/rules.yml"))
                .hasMessageContaining("--gateway-config: no such file /no/such/rules.yml");
    }

    @Test
    void aValueOnASwitchIsAnErrorNotIgnored() {
        assertThatThrownBy(() -> LauncherOptions.parse("--demo-traffic=yes"))
                .isInstanceOfSatisfying(LauncherOptions.UsageException.class, e -> {
                    assertThat(e.exitCode).isEqualTo(2);
                    assertThat(e.getMessage()).contains(
                            "--demo-traffic takes no value (was --demo-traffic=yes); write --demo-traffic alone", "Usage:");
                });
        assertThatThrownBy(() -> LauncherOptions.parse("--demo-traffic=false"))
                .hasMessageContaining("--demo-traffic takes no value");
        assertThatThrownBy(() -> LauncherOptions.parse("--help=yes"))
                .isInstanceOfSatisfying(LauncherOptions.UsageException.class, e -> {
                    assertThat(e.exitCode).isEqualTo(2);
                    assertThat(e.getMessage()).contains("--help takes no value");
                });
    }

    @Test
    void helpExitsWithZero() {
        assertThatThrownBy(() -> LauncherOptions.parse("--help"))
                .isInstanceOfSatisfying(LauncherOptions.UsageException.class,
                        e -> assertThat(e.exitCode).isZero());
    }
}
