package io.limitguard.gateway.limit;

import java.util.List;

/**
 * One limit as the script needs it: which algorithm file evaluates it and with which parameters.
 * Each algorithm in {@code lua/} has one implementation of this interface and one
 * {@link LimitModel}.
 */
public interface LimitSpec {

    /** The unit of {@code q} for most algorithms (draft-ietf-httpapi-ratelimit-headers). */
    String REQUESTS = "requests";

    /** Policy name ({@code burst}). */
    String name();

    /** The algorithm's registry name in the script ({@code token-bucket}). */
    String algorithm();

    /**
     * The algorithm's parameters, in the order its Lua file reads them.
     *
     * @param requestId the request's id (a concurrency limit names its lease with it; others ignore it)
     */
    List<String> scriptParameters(long requestId);

    /** The quota advertised as {@code q} in {@code RateLimit-Policy}. */
    long quota();

    /** The window advertised as {@code w}, seconds; 0 = none (concurrency: slots do not come back with time). */
    long windowSeconds();

    /** The quota unit {@code qu}: {@value #REQUESTS} (the default, not sent) or {@code concurrent-requests}. */
    default String quotaUnit() {
        return REQUESTS;
    }

    /** Whether a request holds part of this limit until its response ends (then it must be released). */
    default boolean heldUntilResponseEnds() {
        return false;
    }

    /**
     * The reference model of this limit (same arithmetic as its script) sized to a share of it:
     * {@code instances} = 1 is the limit itself; N is what one of N gateway instances may admit on its
     * own (the {@code local} failure mode), never less than one unit.
     */
    LimitModel<?> model(int instances);
}
