package io.limitguard.dashboard.config;

import io.limitguard.server.ConnectionCap;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the dashboard ({@code limitguard.dashboard.*}): live stream, RSocket port, HTTP server.
 *
 * @param subscriberBuffer updates held for one slow subscriber (browser or RSocket client) before its
 *                         oldest ones are dropped; the Kafka consumer and other subscribers never wait
 * @param heartbeat        how often the SSE stream sends a {@code heartbeat} event, so proxies keep an
 *                         idle connection open and the page can tell a live stream from a dead one
 * @param rsocketTcpPort   port of the RSocket TCP transport (0 = any free port); the WebSocket
 *                         transport is served at {@code /rsocket} on the HTTP port
 * @param consumerGroupPrefix prefix of the Kafka consumer group; each instance appends a random
 *                         suffix because every dashboard instance must see every update
 * @param writeTimeout     longest time what the HTTP server (HTTP and HTTPS ports, SSE and {@code /rsocket}
 *                         included) has waiting for a client may make no progress at all; a client that
 *                         stops reading is disconnected after one to two times it, which frees what it held
 *                         (a history answer being relayed). A client that reads is never cut, however long it stays
 * @param maxConnections   most client connections each port (HTTP, HTTPS) holds at once, SSE and WebSocket streams
 *                         included; one more is closed as soon as it is accepted
 *                         ({@link ConnectionCap}, as the gateway's
 *                         {@code limitguard.server.max-connections}); -1: no cap. 8192 by default (Tomcat's
 *                         {@code server.tomcat.max-connections}). The RSocket TCP port is a server of its own, not
 *                         capped
 */
@Validated
// No other service binds limitguard.dashboard: a misspelt property stops start-up instead of being dropped.
@ConfigurationProperties(prefix = "limitguard.dashboard", ignoreUnknownFields = false)
public record DashboardProperties(
        @DefaultValue("256") @Min(1) @Max(1_000_000) int subscriberBuffer,
        @DefaultValue("15s") @NotNull @DurationMin(millis = 10) Duration heartbeat,
        @DefaultValue("7081") @Min(0) @Max(65535) int rsocketTcpPort,
        @DefaultValue("limitguard-dashboard") @NotBlank String consumerGroupPrefix,
        @DefaultValue("30s") @NotNull @DurationMin(millis = 1) Duration writeTimeout,
        @DefaultValue("8192") int maxConnections) {

    public DashboardProperties {
        ConnectionCap.requireValid("limitguard.dashboard.max-connections", maxConnections);
    }
}
