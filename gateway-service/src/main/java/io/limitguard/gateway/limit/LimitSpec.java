package io.limitguard.gateway.limit;

import java.util.List;

/**
 * One limit as the script needs it: which algorithm file evaluates it and with which parameters.
 * Each algorithm in {@code lua/} has one implementation of this interface.
 */
public interface LimitSpec {

    /** Policy name ({@code burst}). */
    String name();

    /** The algorithm's registry name in the script ({@code token-bucket}). */
    String algorithm();

    /** The algorithm's parameters, in the order its Lua file reads them. */
    List<String> scriptParameters();

    /** The quota advertised as {@code q} in {@code RateLimit-Policy}. */
    long quota();

    /** The window advertised as {@code w}, seconds. */
    long windowSeconds();
}
