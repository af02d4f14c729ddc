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
import java.util.function.Function;

/**
 * One Lua script the engine runs, assembled from the files in {@code lua/}: prelude, clock, the
 * files of the algorithms it holds, then the driver. Redis runs a script's top level on every call,
 * so every algorithm a script holds costs each call its definitions whether used or not; {@link
 * LimitScripts} therefore assembles one script per mix of algorithms that calls actually use. See
 * {@code lua/README.md} for the calling convention.
 */
public final class LimitScript {

    static final String PRELUDE = "lua/prelude.lua";
    static final String CLOCK = "lua/clock.lua";
    static final String WINDOW_HELPERS = "lua/window.lua";
    static final String DRIVER = "lua/limitguard.lua";

    private final List<String> algorithms;
    private final String source;
    private final String sha;

    private LimitScript(List<String> algorithms, String source) {
        this.algorithms = List.copyOf(algorithms);
        this.source = source;
        this.sha = sha1(source);
    }

    /**
     * The script holding {@code algorithms} (in {@link Algorithm} order), with time from {@code clockResource};
     * {@code files} gives a Lua file's text by resource name.
     */
    static LimitScript assemble(List<Algorithm> algorithms, String clockResource, Function<String, String> files) {
        List<String> parts = new ArrayList<>();
        parts.add(PRELUDE);
        parts.add(clockResource);
        if (algorithms.stream().anyMatch(Algorithm::windowed)) {
            parts.add(WINDOW_HELPERS);
        }
        algorithms.forEach(algorithm -> parts.add(algorithm.file()));
        parts.add(DRIVER);
        StringBuilder script = new StringBuilder();
        for (String part : parts) {
            script.append("-- ==== ").append(part).append('\n').append(files.apply(part)).append('\n');
        }
        return new LimitScript(algorithms.stream().map(Algorithm::scriptName).toList(), script.toString());
    }

    /** The registry names of the algorithms this script evaluates. */
    public List<String> algorithms() {
        return algorithms;
    }

    public String source() {
        return source;
    }

    /** SHA-1 of {@link #source()}, as {@code EVALSHA} expects. */
    public String sha() {
        return sha;
    }

    static String read(String resource) {
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
