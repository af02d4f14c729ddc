package io.limitguard.analytics.web;

import io.limitguard.analytics.config.AnalyticsProperties;
import io.limitguard.analytics.query.BlockRateQuery;
import io.limitguard.analytics.topology.Step;
import io.limitguard.events.CountsUpdate.Dimension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.springframework.util.MultiValueMap;

/**
 * Turns raw query parameters into validated queries; every problem becomes a
 * {@link BadParameterException} naming the parameter. Ranges must lie within what the stores keep:
 * a {@code from} older than the step's retention is refused rather than answered with zeros that
 * would look like "no traffic".
 */
public class QueryParameters {

    static final int MAX_ID_LENGTH = 256;
    static final int MAX_LIMIT = 1000;
    static final int DEFAULT_LIMIT = 10;

    private final AnalyticsProperties properties;
    private final Clock clock;

    public QueryParameters(AnalyticsProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
    }

    /** A parameter given twice ({@code route=a&route=b}) would be joined into one value ({@code "a,b"}) and answered. */
    static void refuseRepeated(MultiValueMap<String, String> query) {
        query.forEach((name, values) -> {
            if (values.size() > 1) {
                throw new BadParameterException(name, name + " is given " + values.size() + " times; give it once");
            }
        });
    }

    public BlockRateQuery blockRate(String route, String rule, String from, String to, String step) {
        if (route == null && rule == null) {
            throw new BadParameterException("route", "route or rule is required (exactly one of them)");
        }
        if (route != null && rule != null) {
            throw new BadParameterException("rule", "give either route or rule, not both");
        }
        Dimension dimension = route != null ? Dimension.ROUTE : Dimension.RULE;
        String name = route != null ? "route" : "rule";
        String id = route != null ? route : rule;
        if (id.isBlank() || id.length() > MAX_ID_LENGTH) {
            throw new BadParameterException(name, name + " must be 1.." + MAX_ID_LENGTH + " characters");
        }
        if (step == null) {
            throw new BadParameterException("step", "step is required: 1s, 1m or 1h");
        }
        Step s = Step.fromLabel(step).orElseThrow(() ->
                new BadParameterException("step", "unknown step '" + step + "': use 1s, 1m or 1h"));
        Instant[] range = range(from, to, s);
        BlockRateQuery q = new BlockRateQuery(dimension, id, s, range[0], range[1]);
        if (q.windowCount() > properties.maxWindowsPerQuery()) {
            throw new BadParameterException("to", "the range from..to holds " + q.windowCount() + " windows of "
                    + s.label() + "; at most " + properties.maxWindowsPerQuery() + " per query (narrow the range or use a larger step)");
        }
        return q;
    }

    /** Validated [from, to) for top-blocked (per-minute summaries, kept as long as the 1 min windows). */
    public Instant[] topBlockedRange(String from, String to) {
        return range(from, to, Step.MINUTE);
    }

    public int limit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(limit.trim());
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadParameterException("limit", "limit must be an integer in 1.." + MAX_LIMIT + ", was '" + limit + "'");
    }

    private Instant[] range(String from, String to, Step step) {
        Instant f = instant("from", from);
        Instant t = instant("to", to);
        if (!f.isBefore(t)) {
            throw new BadParameterException("from", "from must be before to");
        }
        Duration retention = properties.retention(step);
        Instant earliest = clock.instant().minus(retention);
        if (f.isBefore(earliest)) {
            throw new BadParameterException("from", "from is beyond the retention of " + step.label() + " windows ("
                    + retention + "): the earliest available is " + earliest);
        }
        return new Instant[] {f, t};
    }

    private static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new BadParameterException(name, name + " is required (an ISO-8601 instant, e.g. 2026-11-29T14:00:00Z)");
        }
        try {
            Instant instant = Instant.parse(value.trim());
            instant.toEpochMilli(); // windows and stores count in epoch ms: years beyond +-292 million do not fit
            return instant;
        } catch (ArithmeticException e) {
            throw new BadParameterException(name, name + " is out of range: '" + value + "'");
        } catch (DateTimeParseException e) {
            throw new BadParameterException(name, name + " is not an ISO-8601 instant: '" + value + "'");
        }
    }
}
