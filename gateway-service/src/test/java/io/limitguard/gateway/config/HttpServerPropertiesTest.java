package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.server.WriteProgressTimeout;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.server.HttpServer;

/**
 * {@code limitguard.server.read-timeout} and {@code .write-timeout}: 60 s and 30 s by default, at least 1 ms, a
 * misspelling stops start-up; the customizers put them on every server they are given (the HTTPS port of tls-bootstrap
 * too; Spring Boot's {@code server.netty.idle-timeout} is module server-guards' to put there).
 * {@code limitguard.server.shutdown-drain}: 0 by default, never negative. {@code limitguard.server.max-connections}:
 * 8192 by default, at least 1 or -1 (no cap), set on every server the customizer is given.
 */
class HttpServerPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(LimitGuardProperties.class)
    @Import({UnknownFieldsConfiguration.class, HttpServerConfiguration.class})
    static class Bind {
        @Bean
        MeterRegistry meters() {
            return new SimpleMeterRegistry();
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bind.class);

    @Test
    void readTimeoutIs60SecondsByDefault() {
        runner.run(context -> assertThat(context.getBean(LimitGuardProperties.class).server().readTimeout())
                .isEqualTo(Duration.ofSeconds(60)));
    }

    @Test
    void writeTimeoutIs30SecondsByDefault() {
        runner.run(context -> assertThat(context.getBean(LimitGuardProperties.class).server().writeTimeout())
                .isEqualTo(Duration.ofSeconds(30)));
    }

    @Test
    void theCustomizerSetsTheTimeoutsOnTheServer() {
        runner.withPropertyValues("limitguard.server.read-timeout=2s").run(context -> {
            HttpServer server = context.getBean("clientTimeouts", NettyServerCustomizer.class).apply(HttpServer.create());
            assertThat(server.configuration().readTimeout()).isEqualTo(Duration.ofSeconds(2));
            // the write timeout's handler, put on each connection when its channel is set up
            server = context.getBean("writeProgressTimeout", NettyServerCustomizer.class).apply(server);
            EmbeddedChannel channel = new EmbeddedChannel();
            server.configuration().doOnChannelInit().onChannelInit(ConnectionObserver.emptyListener(), channel, null);
            assertThat(channel.pipeline().first()).isInstanceOf(WriteProgressTimeout.class);
            channel.close();
        });
        runner.run(context -> assertThat(context.getBean("clientTimeouts", NettyServerCustomizer.class)
                .apply(HttpServer.create()).configuration().readTimeout()).isEqualTo(Duration.ofSeconds(60)));
    }

    @Test
    void aReadTimeoutUnderOneMillisecondStopsStartUp() {
        assertStartupFails("limitguard.server.read-timeout must be at least 1ms, was PT0S", "limitguard.server.read-timeout=0s");
        assertStartupFails("limitguard.server.read-timeout must be at least 1ms, was PT0.0005S",
                "limitguard.server.read-timeout=500us");
        assertStartupFails("limitguard.server.read-timeout must be at least 1ms, was PT-1S", "limitguard.server.read-timeout=-1s");
    }

    @Test
    void aWriteTimeoutUnderOneMillisecondStopsStartUp() {
        assertStartupFails("limitguard.server.write-timeout must be at least 1ms, was PT0S",
                "limitguard.server.write-timeout=0s");
        assertStartupFails("limitguard.server.write-timeout must be at least 1ms, was PT-1S",
                "limitguard.server.write-timeout=-1s");
    }

    @Test
    void theShutdownDrainIsZeroByDefaultAndNeverNegative() {
        runner.run(context -> assertThat(context.getBean(LimitGuardProperties.class).server().shutdownDrain()).isZero());
        runner.withPropertyValues("limitguard.server.shutdown-drain=3s").run(context -> assertThat(
                context.getBean(LimitGuardProperties.class).server().shutdownDrain()).isEqualTo(Duration.ofSeconds(3)));
        assertStartupFails("limitguard.server.shutdown-drain must be at least 0s, was PT-1S",
                "limitguard.server.shutdown-drain=-1s");
    }

    @Test
    void maxConnectionsIs8192ByDefaultAndSetOnTheServer() {
        runner.run(context -> {
            assertThat(context.getBean(LimitGuardProperties.class).server().maxConnections()).isEqualTo(8192);
            HttpServer server = context.getBean("connectionCap", NettyServerCustomizer.class).apply(HttpServer.create());
            assertThat(server.configuration().maxConnections()).isEqualTo(8192);
        });
        runner.withPropertyValues("limitguard.server.max-connections=100").run(context -> assertThat(context
                .getBean("connectionCap", NettyServerCustomizer.class).apply(HttpServer.create()).configuration()
                .maxConnections()).isEqualTo(100));
        // -1: no cap, Reactor Netty's default
        runner.withPropertyValues("limitguard.server.max-connections=-1").run(context -> assertThat(context
                .getBean("connectionCap", NettyServerCustomizer.class).apply(HttpServer.create()).configuration()
                .maxConnections()).isEqualTo(HttpServer.create().configuration().maxConnections()));
    }

    @Test
    void maxConnectionsOfZeroOrBelowMinusOneStopsStartUp() {
        assertStartupFails("limitguard.server.max-connections must be at least 1, or -1 for no cap, was 0",
                "limitguard.server.max-connections=0");
        assertStartupFails("limitguard.server.max-connections must be at least 1, or -1 for no cap, was -2",
                "limitguard.server.max-connections=-2");
    }

    @Test
    void aMisspeltServerPropertyStopsStartUp() {
        runner.withPropertyValues("limitguard.server.read-timout=5s").run(context -> assertThat(context.getStartupFailure())
                .rootCause().isInstanceOf(UnboundConfigurationPropertiesException.class)
                .hasMessage("The elements [limitguard.server.read-timout] were left unbound."));
    }

    private void assertStartupFails(String message, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessage(message);
        });
    }
}
