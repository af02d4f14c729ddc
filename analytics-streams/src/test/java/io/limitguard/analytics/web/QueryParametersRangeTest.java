package io.limitguard.analytics.web;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limitguard.analytics.config.AnalyticsProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Instants that parse but do not fit in epoch milliseconds are a 400 naming the parameter, not a 500. */
class QueryParametersRangeTest {

    private static final Instant NOW = Instant.parse("2026-11-29T14:00:00Z");
    private static final String FAR = "+300000000-01-01T00:00:00Z"; // a valid Instant, beyond Long.MAX_VALUE ms

    private final QueryParameters parameters = new QueryParameters(new AnalyticsProperties("limitguard-analytics",
            "/tmp/x", "localhost:1", Duration.ofSeconds(30),
            new AnalyticsProperties.Retention(Duration.ofHours(1), Duration.ofDays(7), Duration.ofDays(90)),
            100, Duration.ofMillis(100), DataSize.ofMegabytes(10), 1, true, 3, null, null, null, 0,
            Duration.ofSeconds(5), 20_000, Duration.ofSeconds(30), 64, 8192, null, null), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void blockRateWithAToBeyondEpochMillisIsABadParameter() {
        assertThatThrownBy(() -> parameters.blockRate("demo", null, "2026-11-29T13:59:00Z", FAR, "1h"))
                .isInstanceOf(BadParameterException.class);
    }

    @Test
    void topBlockedWithAToBeyondEpochMillisIsABadParameter() {
        // The controller hands the range to AnalyticsQueryService.topBlocked, which calls to.toEpochMilli().
        assertThatThrownBy(() -> parameters.topBlockedRange("2026-11-29T13:59:00Z", FAR)[1].toEpochMilli())
                .isInstanceOf(BadParameterException.class);
    }
}
