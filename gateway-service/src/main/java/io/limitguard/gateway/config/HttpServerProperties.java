package io.limitguard.gateway.config;

import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's own HTTP server, towards its clients ({@code limitguard.server}); its idle timeout is Spring
 * Boot's {@code server.netty.idle-timeout} (see {@link HttpServerConfiguration}).
 *
 * @param readTimeout  longest silence allowed between two reads of a request's body, once its headers have arrived:
 *                     a client that stops sending in the middle of its body is disconnected after it. 60 s, nginx's
 *                     {@code client_body_timeout}: far longer than any working client pauses, short enough that
 *                     stalled uploads do not pile up. Also what a body may wait for the upstream to take the part
 *                     sent so far (the gateway stops reading while the upstream does not read)
 * @param writeTimeout longest time an answer waiting to be sent may make no progress at all: a client that stops
 *                     reading is disconnected after one to two times it ({@link WriteProgressTimeout}), which frees
 *                     its upstream connection and buffers. 30 s, as the analytics and dashboard services (nginx's
 *                     {@code send_timeout} is 60 s); a client that reads, however slowly, is never cut
 */
public record HttpServerProperties(@DefaultValue("60s") Duration readTimeout, @DefaultValue("30s") Duration writeTimeout) {

    public HttpServerProperties {
        requireAtLeastOneMillisecond("read-timeout", readTimeout);
        requireAtLeastOneMillisecond("write-timeout", writeTimeout);
    }

    static HttpServerProperties defaults() {
        return new HttpServerProperties(Duration.ofSeconds(60), Duration.ofSeconds(30));
    }

    // Netty's timers take whole milliseconds here, and 0 would mean "no timeout" to ReadTimeoutHandler
    private static void requireAtLeastOneMillisecond(String field, Duration value) {
        if (value == null || value.toMillis() < 1) {
            throw new IllegalArgumentException("limitguard.server." + field + " must be at least 1ms, was " + value);
        }
    }
}
