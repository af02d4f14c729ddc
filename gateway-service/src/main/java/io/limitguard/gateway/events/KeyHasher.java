package io.limitguard.gateway.events;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns the limited key into what is published: the key itself, its SHA-256, or its HMAC-SHA256
 * under a secret (lower-case hex, 64 characters). The same key always gives the same result, so
 * records of one client still land on one partition and analytics can still count per key.
 *
 * <p>Not thread-safe: used only by the publisher's drainer thread.
 */
final class KeyHasher implements UnaryOperator<String> {

    private static final HexFormat HEX = HexFormat.of();

    private final MessageDigest sha256;
    private final Mac hmac;

    private KeyHasher(MessageDigest sha256, Mac hmac) {
        this.sha256 = sha256;
        this.hmac = hmac;
    }

    static UnaryOperator<String> of(KafkaEventsProperties properties) {
        if (!properties.hashKeys()) {
            return UnaryOperator.identity();
        }
        try {
            String secret = properties.hashSecret();
            if (secret == null || secret.isEmpty()) {
                return new KeyHasher(MessageDigest.getInstance("SHA-256"), null);
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return new KeyHasher(null, mac);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 / HmacSHA256 missing from this JVM", e);
        }
    }

    @Override
    public String apply(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        return HEX.formatHex(hmac != null ? hmac.doFinal(bytes) : sha256.digest(bytes));
    }
}
