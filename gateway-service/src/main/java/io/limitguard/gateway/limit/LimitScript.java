package io.limitguard.gateway.limit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The one Lua script the engine runs, assembled at start-up from the files in {@code lua/}:
 * prelude, clock, every algorithm file, then the driver. One script means one SHA and any mix of
 * algorithms in one call. See {@code lua/README.md} for the calling convention.
 */
public final class LimitScript {

    /** Algorithm files, one per algorithm; each registers itself in {@code LG_ALGORITHMS}. */
    static final List<String> ALGORITHM_FILES = List.of("lua/token_bucket.lua", "lua/gcra.lua",
            "lua/fixed_window.lua", "lua/sliding_window.lua", "lua/concurrency.lua");
    static final String PRELUDE = "lua/prelude.lua";
    static final String CLOCK = "lua/clock.lua";
    static final String DRIVER = "lua/limitguard.lua";

    private final String source;
    private final String sha;

    private LimitScript(String source) {
        this.source = source;
        this.sha = sha1(source);
    }

    /** The production script: time from Redis {@code TIME}. */
    public static LimitScript load() {
        return withClock(CLOCK);
    }

    /** The same algorithms and driver with another clock file (tests: a clock read from ARGV). */
    public static LimitScript withClock(String clockResource) {
        List<String> parts = new ArrayList<>();
        parts.add(PRELUDE);
        parts.add(clockResource);
        parts.addAll(ALGORITHM_FILES);
        parts.add(DRIVER);
        StringBuilder script = new StringBuilder();
        for (String part : parts) {
            script.append("-- ==== ").append(part).append('\n').append(read(part)).append('\n');
        }
        return new LimitScript(script.toString());
    }

    public String source() {
        return source;
    }

    /** SHA-1 of {@link #source()}, as {@code EVALSHA} expects. */
    public String sha() {
        return sha;
    }

    private static String read(String resource) {
        try (InputStream in = LimitScript.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Lua file " + resource + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
