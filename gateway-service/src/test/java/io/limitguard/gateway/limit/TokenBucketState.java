package io.limitguard.gateway.limit;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;

/** Reads a token bucket's stored state (two little-endian doubles, see lua/token_bucket.lua) in tests. */
public final class TokenBucketState {

    private static final String TOKENS = "return string.format('%.17g', (struct.unpack('<dd', redis.call('GET', KEYS[1]))))";

    private TokenBucketState() {
    }

    /** The tokens stored under {@code key} at its last charge. */
    public static double tokens(RedisCommands<String, String> redis, String key) {
        String value = redis.eval(TOKENS, ScriptOutputType.VALUE, key);
        return Double.parseDouble(value);
    }
}
