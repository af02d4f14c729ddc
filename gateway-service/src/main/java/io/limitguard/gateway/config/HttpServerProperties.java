package io.limitguard.gateway.config;

import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's own HTTP server, towards its clients ({@code limitguard.server}); its idle timeout is Spring
 * Boot's {@code server.netty.idle-timeout} (see {@link HttpServerConfiguration}).
 *
 * @param readTimeout longest silence allowed between two reads of a request's body, once its headers have arrived:
 *                    a client that stops sending in the middle of its body is disconnected after it. 60 s, nginx's
 *                    {@code client_body_timeout}: far longer than any working client pauses, short enough that
 *                    stalled uploads do not pile up. Also what a body may wait for the upstream to take the part
 *                    sent so far (the gateway stops reading while the upstream does not read)
 */
public record HttpServerProperties(@DefaultValue("60s") Duration readTimeout) {

    public HttpServerProperties {
        // Netty's ReadTimeoutHandler takes whole milliseconds, and 0 would mean "no timeout"
        if (readTimeout == null || readTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("limitguard.server.read-timeout must be at least 1ms, was " + readTimeout);
        }
    }

    static HttpServerProperties defaults() {
        return new HttpServerProperties(Duration.ofSeconds(60));
    }
}
