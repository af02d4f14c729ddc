package io.limitguard.dashboard.config;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where the analytics query API lives ({@code limitguard.analytics.*}); the dashboard passes history
 * queries through to it so the browser talks to one origin.
 *
 * @param url     base URL, e.g. {@code http://localhost:8082} (no trailing path)
 * @param timeout how long to wait for the analytics answer before replying 504
 */
@Validated
@ConfigurationProperties("limitguard.analytics")
public record AnalyticsProperties(
        @DefaultValue("http://localhost:8082") @NotNull
        @Pattern(regexp = "https?://[^/?#\\s]+/?", message = "must be an http(s) base URL such as http://localhost:8082")
        String url,
        @DefaultValue("10s") @NotNull @DurationMin(millis = 1) Duration timeout) {

    /** The base URL without a trailing slash. */
    public String baseUrl() {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
