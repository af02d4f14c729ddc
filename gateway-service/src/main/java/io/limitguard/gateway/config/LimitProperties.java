package io.limitguard.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One limit of a rule. Which parameters apply depends on {@code algorithm}; the others stay unset
 * (setting one that does not apply is an error: it is most likely a mistake).
 *
 * @param name            policy name, shown in {@code RateLimit-Policy} and problem bodies
 * @param algorithm       {@code token-bucket} (default) | {@code gcra} | {@code sliding-window} |
 *                        {@code fixed-window} | {@code concurrency}
 * @param capacity        token bucket: the most tokens the bucket holds (burst)
 * @param refillPerSecond token bucket: tokens added per second, may be fractional (0.001)
 * @param ratePerSecond   gcra: sustained requests per second, may be fractional
 * @param burst           gcra: requests admitted at once from idle
 * @param limit           sliding-window, fixed-window: units per window
 * @param window          sliding-window, fixed-window: the window ({@code 1s}, {@code 1m}, {@code 1h})
 * @param maxInFlight     concurrency: requests of one key in flight at once
 * @param lease           concurrency: after this a slot whose response never ended (gateway crashed) frees
 *                        itself; longer than the longest request (default 60s)
 */
public record LimitProperties(String name, String algorithm, Long capacity, Double refillPerSecond,
        Double ratePerSecond, Long burst, Long limit, Duration window, Long maxInFlight, Duration lease) {

    public static final String TOKEN_BUCKET = "token-bucket";
    public static final String GCRA = "gcra";
    public static final String SLIDING_WINDOW = "sliding-window";
    public static final String FIXED_WINDOW = "fixed-window";
    public static final String CONCURRENCY = "concurrency";
    private static final List<String> ALGORITHMS = List.of(TOKEN_BUCKET, GCRA, SLIDING_WINDOW, FIXED_WINDOW, CONCURRENCY);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** The scripts keep windows and leases in whole milliseconds up to 1e12 ms. */
    private static final Duration LONGEST = Duration.ofMillis(1_000_000_000_000L);
    /**
     * Quotas are sent as structured-field integers in {@code RateLimit-Policy} (at most 15 digits) and
     * counted exactly by the scripts' doubles.
     */
    static final long MAX_QUOTA = 999_999_999_999_999L;
    static final double MAX_GCRA_RATE = 1_000_000;
    /** The scripts' expiries are whole milliseconds Redis accepts: the time to fill a bucket stays below 1e9 s. */
    static final double LONGEST_FILL_SECONDS = 1e9;

    public LimitProperties {
        algorithm = algorithm == null || algorithm.isBlank() ? TOKEN_BUCKET : algorithm.trim();
    }

    /**
     * What is wrong with this limit, as {@code field: reason} strings; empty when valid.
     *
     * @param cost      the highest cost a request of the rule may have
     * @param costField where that cost comes from ({@code cost} or {@code max-cost}), for the message
     */
    List<String> problems(long cost, String costField) {
        List<String> problems = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add("name: must match " + NAME.pattern());
        }
        if (!ALGORITHMS.contains(algorithm)) {
            problems.add("algorithm: '" + algorithm + "' is not one of " + String.join(", ", ALGORITHMS));
            return problems;
        }
        Map<String, Object> unused = new LinkedHashMap<>();
        unused.put("capacity", capacity);
        unused.put("refill-per-second", refillPerSecond);
        unused.put("rate-per-second", ratePerSecond);
        unused.put("burst", burst);
        unused.put("limit", limit);
        unused.put("window", window);
        unused.put("max-in-flight", maxInFlight);
        unused.put("lease", lease);
        switch (algorithm) {
            case TOKEN_BUCKET -> {
                wholeAtLeastCost(problems, "capacity", capacity, cost, costField);
                positiveRate(problems, "refill-per-second", refillPerSecond);
                fillTime(problems, "capacity / refill-per-second", capacity, refillPerSecond);
                unused.keySet().removeAll(List.of("capacity", "refill-per-second"));
            }
            case GCRA -> {
                positiveRate(problems, "rate-per-second", ratePerSecond);
                if (ratePerSecond != null && ratePerSecond > MAX_GCRA_RATE) {
                    // the emission interval is whole microseconds, rounded up: 1 µs = 1,000,000/s is the most it can say
                    problems.add("rate-per-second: must be at most 1000000 for gcra (it counts in whole microseconds; "
                            + "token-bucket has no such bound), was " + ratePerSecond);
                }
                wholeAtLeastCost(problems, "burst", burst, cost, costField);
                fillTime(problems, "burst / rate-per-second", burst, ratePerSecond);
                unused.keySet().removeAll(List.of("rate-per-second", "burst"));
            }
            case SLIDING_WINDOW, FIXED_WINDOW -> {
                wholeAtLeastCost(problems, "limit", limit, cost, costField);
                duration(problems, "window", window);
                unused.keySet().removeAll(List.of("limit", "window"));
            }
            default -> { // concurrency: one slot per request whatever its cost
                if (maxInFlight == null || maxInFlight < 1 || maxInFlight > MAX_QUOTA) {
                    problems.add("max-in-flight: must be between 1 and " + MAX_QUOTA + ", was " + maxInFlight);
                }
                if (lease != null) {
                    duration(problems, "lease", lease);
                }
                unused.keySet().removeAll(List.of("max-in-flight", "lease"));
            }
        }
        unused.forEach((field, value) -> {
            if (value != null) {
                problems.add(field + ": does not apply to algorithm " + algorithm);
            }
        });
        return problems;
    }

    private static void wholeAtLeastCost(List<String> problems, String field, Long value, long cost,
            String costField) {
        if (value == null || value <= 0) {
            problems.add(field + ": must be > 0, was " + value);
        } else if (value > MAX_QUOTA) {
            problems.add(field + ": must be at most " + MAX_QUOTA + ", was " + value);
        } else if (cost > value) {
            problems.add(field + ": must be >= the rule's " + costField + " " + cost + ", was " + value);
        }
    }

    private static void positiveRate(List<String> problems, String field, Double value) {
        if (value == null || !Double.isFinite(value) || value <= 0) {
            problems.add(field + ": must be a finite number > 0, was " + value);
        }
    }

    private static void fillTime(List<String> problems, String what, Long quota, Double perSecond) {
        if (quota != null && quota > 0 && perSecond != null && Double.isFinite(perSecond) && perSecond > 0
                && quota / perSecond > LONGEST_FILL_SECONDS) {
            problems.add(what + ": filling from empty must take at most 1e9 seconds, takes "
                    + String.format(Locale.ROOT, "%.0f s", quota / perSecond));
        }
    }

    private static void duration(List<String> problems, String field, Duration value) {
        if (value == null || value.toMillis() < 1 || value.compareTo(LONGEST) > 0) {
            problems.add(field + ": must be a duration between 1ms and " + LONGEST.toDays() + "d (e.g. 1s, 1m, 1h), was "
                    + value);
        }
    }
}
