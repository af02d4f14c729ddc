package io.limitguard.gateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One limit of a rule. Which parameters apply depends on {@code algorithm}; the others stay unset.
 *
 * @param name            policy name, shown in {@code RateLimit-Policy} and problem bodies
 * @param algorithm       {@code token-bucket}
 * @param capacity        token bucket: the most tokens the bucket holds (burst)
 * @param refillPerSecond token bucket: tokens added per second, may be fractional (0.001)
 */
public record LimitProperties(String name, String algorithm, Long capacity, Double refillPerSecond) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public LimitProperties {
        algorithm = algorithm == null || algorithm.isBlank() ? "token-bucket" : algorithm.trim();
    }

    /** What is wrong with this limit, as {@code field: reason} strings; empty when valid. */
    List<String> problems(long cost) {
        List<String> problems = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add("name: must match " + NAME.pattern());
        }
        if (!"token-bucket".equals(algorithm)) {
            problems.add("algorithm: '" + algorithm + "' is not one of token-bucket");
            return problems;
        }
        if (capacity == null || capacity <= 0) {
            problems.add("capacity: must be > 0, was " + capacity);
        } else if (cost > capacity) {
            problems.add("capacity: must be >= the rule's cost " + cost + ", was " + capacity);
        }
        if (refillPerSecond == null || !Double.isFinite(refillPerSecond) || refillPerSecond <= 0) {
            problems.add("refill-per-second: must be a finite number > 0, was " + refillPerSecond);
        }
        return problems;
    }
}
