package io.limitguard.gateway.testing;

import io.lettuce.core.api.sync.RedisServerCommands;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What Redis itself counted ({@code INFO commandstats}), for tests that count script calls on the server side. */
public final class RedisStats {

    private static final Pattern EVALSHA_CALLS = Pattern.compile("cmdstat_evalsha:calls=(\\d+)");

    private RedisStats() {
    }

    /** {@code EVALSHA} calls since the server started or its last {@code CONFIG RESETSTAT}; 0 before the first. */
    public static long evalshaCalls(RedisServerCommands<String, String> redis) {
        Matcher calls = EVALSHA_CALLS.matcher(redis.info("commandstats"));
        return calls.find() ? Long.parseLong(calls.group(1)) : 0;
    }
}
