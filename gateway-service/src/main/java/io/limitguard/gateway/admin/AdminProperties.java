package io.limitguard.gateway.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The rules admin API ({@code limitguard.admin.*}). Without a token the API is not served.
 *
 * @param token      the bearer token an admin request must send ({@code Authorization: Bearer <token>});
 *                   at least 16 characters
 * @param redisKey   the Redis hash holding the rules changed through the API (shared by every instance)
 * @param channel    the Redis pub/sub channel announcing a change to every instance
 */
// a misspelt name (limitguard.admin.tokn) stops start-up instead of leaving the API off without a word
@ConfigurationProperties(prefix = "limitguard.admin", ignoreUnknownFields = false)
public record AdminProperties(
        String token,
        @DefaultValue("limitguard:rules") String redisKey,
        @DefaultValue("limitguard:rules:changed") String channel) {

    public AdminProperties {
        // set at all (even empty) means the API is served: then it must be a real secret
        if (token != null && token.strip().length() < 16) {
            throw new IllegalArgumentException("limitguard.admin.token must have at least 16 characters");
        }
        redisKey = redisKey == null || redisKey.isBlank() ? "limitguard:rules" : redisKey;
        channel = channel == null || channel.isBlank() ? "limitguard:rules:changed" : channel;
    }

}
