package io.limitguard.launcher;

import java.net.URI;
import java.util.Arrays;
import java.util.List;

/**
 * What a client dials first for a {@code --redis-uri}: the one Redis of {@code redis://} or {@code rediss://}, or
 * the Sentinels of {@code redis-sentinel://} and {@code rediss-sentinel://} (they name the master). Only read far
 * enough to see whether anything answers; the gateway checks the whole URI ({@code limitguard.redis.uri}).
 *
 * @param sentinel  the addresses are Sentinels, not Redis
 * @param addresses host and port of each, in the URI's order
 */
record RedisTarget(boolean sentinel, List<Address> addresses) {

    /** The schemes the gateway takes, in the order its error message lists them. */
    static final List<String> SCHEMES = List.of("redis://", "rediss://", "redis-sentinel://", "rediss-sentinel://");

    static RedisTarget of(String uri) {
        boolean sentinel = uri.contains("-sentinel://");
        String authority = uri.substring(uri.indexOf("://") + 3).split("[/?#]", 2)[0];
        String hosts = authority.substring(authority.lastIndexOf('@') + 1);
        int defaultPort = sentinel ? 26379 : 6379;
        // each host:port read as java.net.URI reads one, so [::1]:6379 works too
        return new RedisTarget(sentinel, Arrays.stream(hosts.split(",")).map(h -> URI.create("redis://" + h))
                .map(u -> new Address(u.getHost(), u.getPort() == -1 ? defaultPort : u.getPort())).toList());
    }

    /** {@code uri} as the launcher prints it: the user information (a password) before the first {@code @} as {@code ***}. */
    static String shown(String uri) {
        return uri.replaceFirst("://[^/?#]*@", "://***@");
    }

    /** @param host null when the URI has none there */
    record Address(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }
}
