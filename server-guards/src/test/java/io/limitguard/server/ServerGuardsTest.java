package io.limitguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.testsupport.RawHttp;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.autoconfigure.NettyServerProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.netty.http.server.HttpServer;

/**
 * The module as a service gets it, by being on the class path of a WebFlux application with Actuator: what it
 * promises for an unknown health path and a request Reactor Netty cannot decode. The gateway's own tests
 * (UnknownHealthPathTest, MalformedRequestLogTest) check the same through the whole gateway.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"management.endpoint.health.probes.enabled=true", "management.endpoint.health.show-details=always"})
@ExtendWith(OutputCaptureExtension.class)
class ServerGuardsTest {

    @LocalServerPort
    int port;

    @Test
    void unknownHealthPathsAre404WithoutAStackTrace(CapturedOutput output) throws IOException {
        for (String path : List.of("/actuator/health/nosuch/x", "/actuator/health/./liveness",
                "/actuator/health/x/../liveness")) {
            assertThat(RawHttp.get(port, path).status()).as(path).isEqualTo(404);
        }
        assertThat(RawHttp.get(port, "/actuator/health/liveness").status()).isEqualTo(200);
        assertThat(output.getOut()).doesNotContain("500 Server Error", UnknownHealthPathHandler.SPRING_BOOT_MESSAGE,
                "\tat ");
    }

    @Test
    void aRequestThatCannotBeDecodedIsOneShortLine(CapturedOutput output) throws IOException {
        StringBuilder request = new StringBuilder("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (int i = 0; i < 200; i++) {
            request.append("X-H").append(i).append(": v\r\n");
        }
        request.append("X-Bad: v\u0000w\r\n\r\n");

        assertThat(RawHttp.status(port, request.toString())).isEqualTo(400);
        List<String> lines = output.getOut().lines().filter(line -> line.contains("Decoding failed")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).hasSizeLessThan(DecodingFailureLogFactory.MAX_LENGTH + 200);
        assertThat(output.getOut()).doesNotContain("X-H199");
        assertThat(RawHttp.get(port, "/hello").bodyText()).isEqualTo("hello");
    }

    /** On every server the customizers reach, tls-bootstrap's HTTPS port included, which Spring Boot's setting does not. */
    @Test
    void theIdleTimeoutIsPutOnEveryServer() {
        ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ServerGuardsAutoConfiguration.class))
                .withUserConfiguration(NettyProperties.class);
        runner.withPropertyValues("server.netty.idle-timeout=75s").run(context -> assertThat(
                context.getBean("idleTimeoutOnEveryPort", NettyServerCustomizer.class).apply(HttpServer.create())
                        .configuration().idleTimeout()).isEqualTo(Duration.ofSeconds(75)));
        // without the property Spring Boot sets none, and neither does the customizer
        runner.run(context -> assertThat(
                context.getBean("idleTimeoutOnEveryPort", NettyServerCustomizer.class).apply(HttpServer.create())
                        .configuration().idleTimeout()).isNull());
    }

    @Test
    void onlyReactiveWebApplicationsGetIt() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ServerGuardsAutoConfiguration.class))
                .run(context -> assertThat(context).doesNotHaveBean(UnknownHealthPathHandler.class)
                        .doesNotHaveBean(NettyServerCustomizer.class));
    }

    @EnableConfigurationProperties(NettyServerProperties.class)
    static class NettyProperties {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        @Bean
        RouterFunction<ServerResponse> hello() {
            return RouterFunctions.route().GET("/hello", request -> ServerResponse.ok().bodyValue("hello")).build();
        }
    }
}
