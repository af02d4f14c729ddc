package io.limitguard.gateway.config;

import io.lettuce.core.RedisURI;
import java.util.List;

/**
 * The one check of a Redis URI in the configuration ({@code limitguard.redis.uri}, each of
 * {@code limitguard.redis.cluster.nodes}): at start-up, with a message naming the property. Without it, Lettuce's
 * own parser stopped start-up with "Scheme http not supported" or "URI must contain the sentinelMasterId", naming
 * nothing, and a URI it accepts but cannot connect to (no host) would only have made the gateway fail open.
 */
public final class RedisUris {

    /** One Redis server: the form of a cluster's seed nodes. */
    static final List<String> SERVER = List.of("redis://", "rediss://");
    /** One Redis server, or the Sentinels that name the master: the forms of {@code limitguard.redis.uri}. */
    static final List<String> SERVER_OR_SENTINEL = List.of("redis://", "rediss://", "redis-sentinel://",
            "rediss-sentinel://");

    private static final String NO_MASTER = "names no master: end it with #<name>, the name the Sentinels monitor "
            + "the master by (e.g. redis-sentinel://host:26379#mymaster)";

    private RedisUris() {
    }

    /**
     * {@code value} as Lettuce reads it.
     *
     * @throws IllegalArgumentException naming {@code field}, if {@code value} does not start with one of
     *                                  {@code schemes}, does not parse, has no host, or (Sentinel) names no master
     */
    static RedisURI require(String field, String value, List<String> schemes) {
        if (value == null || schemes.stream().noneMatch(value::startsWith)) {
            throw invalid(field, value, "must start with " + String.join(", ", schemes.subList(0, schemes.size() - 1))
                    + (schemes.size() > 1 ? " or " : "") + schemes.get(schemes.size() - 1));
        }
        boolean sentinel = value.contains("-sentinel://");
        RedisURI uri;
        try {
            uri = RedisURI.create(value);
        } catch (RuntimeException e) {
            throw invalid(field, value, sentinel && String.valueOf(e.getMessage()).contains("sentinelMasterId")
                    ? NO_MASTER
                    // the parser's message may quote the whole value, password included
                    : "is not a Redis URI (" + String.valueOf(e.getMessage()).replace(value, withoutPassword(value)) + ")");
        }
        if (sentinel && blank(uri.getSentinelMasterId())) {
            throw invalid(field, value, NO_MASTER);
        }
        boolean hostless = sentinel
                ? uri.getSentinels().isEmpty() || uri.getSentinels().stream().anyMatch(s -> blank(s.getHost()))
                : blank(uri.getHost());
        if (hostless) {
            throw invalid(field, value, sentinel ? "has a Sentinel without a host" : "has no host");
        }
        return uri;
    }

    private static boolean blank(String host) {
        return host == null || host.isBlank();
    }

    private static IllegalArgumentException invalid(String field, String value, String problem) {
        return new IllegalArgumentException(field + ": '" + withoutPassword(value) + "' " + problem);
    }

    /** The value as it may be logged: a password between {@code //} and {@code @} becomes {@code ***}. */
    public static String withoutPassword(String value) {
        if (value == null) {
            return null;
        }
        int start = value.indexOf("://");
        int at = value.indexOf('@');
        int end = value.indexOf('/', start < 0 ? 0 : start + 3);
        if (start < 0 || at < start || (end >= 0 && at > end)) {
            return value;
        }
        return value.substring(0, start + 3) + "***" + value.substring(at);
    }
}
