package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.limitguard.gateway.testing.OneGateway;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.testsupport.Closing;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.WebFilter;
import reactor.netty.Connection;

/**
 * The gateway ships Netty's io_uring transport because it served 9-22 % more limited requests per second
 * than epoll on the bench machine (docs/BENCHMARKS.md, "The HTTP transport"): where the kernel allows
 * io_uring, a client's connection to the gateway is an io_uring channel, and a limited request is decided
 * and proxied over it as over any other.
 */
class NetworkTransportTest {

    private static final List<Class<?>> CLIENT_CHANNELS = new CopyOnWriteArrayList<>();
    private static OneGateway bed;

    @BeforeAll
    static void start() {
        bed = OneGateway.start(upstream -> new Rules()
                .route("demo", upstream.uri(), "/demo/**")
                .rule("per-client", "demo", "header:X-API-Key", "closed", "burst", 2, 0.001), ChannelRecorder.class);
    }

    @AfterAll
    static void stop() {
        Closing.all(bed);
    }

    @Test
    void clientConnectionsRunOnIoUringWhereTheKernelAllowsIt() {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring not available here: " + IoUring.unavailabilityCause());

        List<Integer> statuses = List.of(1, 2, 3).stream()
                .map(i -> bed.http().getNow(bed.gateway().baseUrl() + "/demo/x", Map.of("X-API-Key", "transport")).status())
                .toList();

        assertThat(statuses).containsExactly(200, 200, 429);
        assertThat(CLIENT_CHANNELS).hasSize(3).allMatch(IoUringSocketChannel.class::equals);
    }

    /** Records the Netty channel class of every request the gateway's HTTP server reads. */
    @Configuration(proxyBeanMethods = false)
    static class ChannelRecorder {

        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        WebFilter recordClientChannel() {
            return (exchange, chain) -> {
                Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
                CLIENT_CHANNELS.add(((Connection) nativeRequest).channel().getClass());
                return chain.filter(exchange);
            };
        }
    }
}
