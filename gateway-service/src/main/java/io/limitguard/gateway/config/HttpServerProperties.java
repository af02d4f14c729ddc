package io.limitguard.gateway.config;

import io.limitguard.server.ConnectionCap;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's own HTTP server, towards its clients ({@code limitguard.server}); its idle timeout is Spring
 * Boot's {@code server.netty.idle-timeout} (see {@link HttpServerConfiguration}); how many clients it holds; and how
 * it stops.
 *
 * @param readTimeout   longest silence allowed between two reads of a request's body, once its headers have arrived:
 *                      a client that stops sending in the middle of its body is disconnected after it. 60 s, nginx's
 *                      {@code client_body_timeout}: far longer than any working client pauses, short enough that
 *                      stalled uploads do not pile up. Also what a body may wait for the upstream to take the part
 *                      sent so far (the gateway stops reading while the upstream does not read)
 * @param writeTimeout  longest time an answer waiting to be sent may make no progress at all: a client that stops
 *                      reading is disconnected after one to two times it
 *                      ({@link io.limitguard.server.WriteProgressTimeout}), which frees its upstream connection and
 *                      buffers. 30 s, as the analytics and dashboard services (nginx's
 *                      {@code send_timeout} is 60 s); a client that reads, however slowly, is never cut
 * @param shutdownDrain how long a stopping gateway goes on serving, with readiness 503 and every response with
 *                      {@code Connection: close}, before Spring Boot's graceful shutdown closes its ports
 *                      ({@link ShutdownDrain}). 0 by default, no drain, as before: the right length depends on what
 *                      routes traffic to the gateway (a load balancer's readiness poll interval times its failure
 *                      threshold, Kubernetes' endpoint removal), and without one any wait only delays every stop.
 *                      That is also Spring Boot's stance: it leaves the delay to the platform (its Kubernetes
 *                      guidance is a {@code preStop} hook sleeping 10 s). Behind a load balancer, a few seconds
 *                      already move every kept-alive client that gets an answer in that time to another gateway;
 *                      keep it below {@code spring.lifecycle.timeout-per-shutdown-phase} (30 s)
 * @param maxConnections most client connections each port (HTTP, and HTTPS if there is one) holds at once; one more
 *                      is closed as soon as it is accepted ({@link ConnectionCap}); -1: no
 *                      cap. 8192 by default, Tomcat's {@code server.tomcat.max-connections}: a client that is
 *                      proxied can hold a second descriptor, towards its upstream (nginx sizes its descriptors at twice its
 *                      {@code worker_connections} for that), so 8192 on each of two ports fits a limit of
 *                      65,536, common on servers and in containers; 8192 idle connections cost about 21 MB of
 *                      heap (2.6 KB each, measured). Without a cap, clients that hold connections exhaust the
 *                      descriptors: the gateway then answers no one and, on io_uring, spins a core retrying accept
 */
public record HttpServerProperties(@DefaultValue("60s") Duration readTimeout, @DefaultValue("30s") Duration writeTimeout,
                                   @DefaultValue("0s") Duration shutdownDrain,
                                   @DefaultValue("8192") int maxConnections) {

    public HttpServerProperties {
        requireAtLeastOneMillisecond("read-timeout", readTimeout);
        requireAtLeastOneMillisecond("write-timeout", writeTimeout);
        if (shutdownDrain == null || shutdownDrain.isNegative()) {
            throw new IllegalArgumentException("limitguard.server.shutdown-drain must be at least 0s, was " + shutdownDrain);
        }
        ConnectionCap.requireValid("limitguard.server.max-connections", maxConnections);
    }

    static HttpServerProperties defaults() {
        return new HttpServerProperties(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ZERO, 8192);
    }

    // Netty's timers take whole milliseconds here, and 0 would mean "no timeout" to ReadTimeoutHandler
    private static void requireAtLeastOneMillisecond(String field, Duration value) {
        if (value == null || value.toMillis() < 1) {
            throw new IllegalArgumentException("limitguard.server." + field + " must be at least 1ms, was " + value);
        }
    }
}
