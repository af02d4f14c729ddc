package io.limitguard.gateway.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Makes client keys safe to put into Redis keys, events and logs: a key that is too long or has a
 * character outside {@code [A-Za-z0-9._:@/+=-]} (control characters, spaces, braces that would
 * break the hash tag, non-ASCII) is replaced by {@code sha256:<hex>} of its UTF-8 bytes. Distinct
 * keys stay distinct, so hashing never merges or splits clients.
 */
public final class KeyBounds {

    private final int maxLength;

    public KeyBounds(int maxLength) {
        this.maxLength = maxLength;
    }

    public String bound(String raw) {
        if (raw.length() <= maxLength && safe(raw) && !raw.startsWith("sha256:")) {
            return raw;
        }
        return "sha256:" + sha256(raw);
    }

    private static boolean safe(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '@' || c == '/' || c == '+' || c == '=' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String sha256(String raw) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
