package io.limitguard.gateway.limit;

/** The algorithms of {@code lua/}: registry name in the script, file, and whether it needs the window helpers. */
public enum Algorithm {
    TOKEN_BUCKET("token-bucket", "lua/token_bucket.lua", false),
    GCRA("gcra", "lua/gcra.lua", false),
    FIXED_WINDOW("fixed-window", "lua/fixed_window.lua", true),
    SLIDING_WINDOW("sliding-window", "lua/sliding_window.lua", true),
    CONCURRENCY("concurrency", "lua/concurrency.lua", false);

    private final String scriptName;
    private final String file;
    private final boolean windowed;

    Algorithm(String scriptName, String file, boolean windowed) {
        this.scriptName = scriptName;
        this.file = file;
        this.windowed = windowed;
    }

    public String scriptName() {
        return scriptName;
    }

    String file() {
        return file;
    }

    boolean windowed() {
        return windowed;
    }

    public static Algorithm of(String scriptName) {
        return switch (scriptName) {
            case "token-bucket" -> TOKEN_BUCKET;
            case "gcra" -> GCRA;
            case "fixed-window" -> FIXED_WINDOW;
            case "sliding-window" -> SLIDING_WINDOW;
            case "concurrency" -> CONCURRENCY;
            default -> throw new IllegalArgumentException("no Lua algorithm named '" + scriptName + "'");
        };
    }
}
