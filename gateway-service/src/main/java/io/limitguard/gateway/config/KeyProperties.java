package io.limitguard.gateway.config;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param maxLength          keys longer than this (or with characters outside a safe set) are replaced by their SHA-256
 * @param onEmpty            what a request without a key (no header, no principal) gets
 * @param ipv6PrefixLength   {@code key: ip} takes an IPv6 client's network of this length, not its address: a host
 *                           may use any address of its /64 (privacy extensions change it daily), so one bucket per
 *                           address would let one client multiply its limit at will. 128 = per address
 */
public record KeyProperties(@DefaultValue("128") int maxLength, @DefaultValue("shared") EmptyKey onEmpty,
        @DefaultValue("64") int ipv6PrefixLength) {

    /** The answer for a request whose rule key resolves to nothing. */
    public enum EmptyKey {
        /** All key-less requests share one bucket (the rule still limits them). */
        SHARED,
        /** The rule does not apply to key-less requests. */
        SKIP,
        /** Key-less requests are rejected with 400. */
        REJECT
    }

    public KeyProperties {
        if (maxLength < 16 || maxLength > 1024) {
            throw new IllegalArgumentException("limitguard.keys.max-length must be between 16 and 1024, was " + maxLength);
        }
        if (ipv6PrefixLength < 32 || ipv6PrefixLength > 128) {
            throw new IllegalArgumentException(
                    "limitguard.keys.ipv6-prefix-length must be between 32 and 128, was " + ipv6PrefixLength);
        }
        onEmpty = onEmpty != null ? onEmpty : EmptyKey.SHARED;
    }

    static KeyProperties defaults() {
        return new KeyProperties(128, EmptyKey.SHARED, 64);
    }
}
