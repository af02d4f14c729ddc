package io.limitguard.gateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything under {@code limitguard.*} except {@code limitguard.kafka.*} (the publisher's).
 * Checked when bound: an invalid value stops start-up with a message naming the rule and field.
 *
 * @param redis             where Redis is and how long a call may take
 * @param trustedProxies    CIDRs whose {@code X-Forwarded-For} is believed
 * @param rules             the limiting rules, evaluated together in one script call per request
 * @param headers           which rate-limit response headers to send
 * @param keys              how client keys are bounded and what an empty key means
 * @param expectedInstances gateway instances sharing Redis; sizes the {@code local} fallback
 * @param instanceId        this instance's id in decision events (default: host name + random)
 * @param breaker           the circuit breaker in front of Redis
 * @param overLimitCache    the local over-limit cache (off unless enabled)
 * @param server            the HTTP server's time limits on its clients (the idle timeout is Spring Boot's
 *                          {@code server.netty.idle-timeout}) and how many it holds per port
 */
@ConfigurationProperties("limitguard")
public record LimitGuardProperties(
        RedisProperties redis,
        List<String> trustedProxies,
        List<RuleProperties> rules,
        HeaderProperties headers,
        KeyProperties keys,
        @DefaultValue("1") int expectedInstances,
        String instanceId,
        BreakerProperties breaker,
        OverLimitCacheProperties overLimitCache,
        HttpServerProperties server) {

    public LimitGuardProperties {
        redis = redis != null ? redis : RedisProperties.defaults();
        trustedProxies = trustedProxies != null ? List.copyOf(trustedProxies) : List.of();
        rules = rules != null ? List.copyOf(rules) : List.of();
        headers = headers != null ? headers : HeaderProperties.defaults();
        keys = keys != null ? keys : KeyProperties.defaults();
        breaker = breaker != null ? breaker : BreakerProperties.defaults();
        overLimitCache = overLimitCache != null ? overLimitCache : OverLimitCacheProperties.defaults();
        server = server != null ? server : HttpServerProperties.defaults();
        if (expectedInstances < 1) {
            throw new IllegalArgumentException("limitguard.expected-instances must be >= 1, was " + expectedInstances);
        }
        if (instanceId == null || instanceId.isBlank()) {
            instanceId = defaultInstanceId();
        }
        Set<String> ids = new HashSet<>();
        for (RuleProperties rule : rules) {
            if (!ids.add(rule.id())) {
                throw new IllegalArgumentException("rule '" + rule.id() + "': id: duplicate rule id");
            }
        }
        RuleProperties.checkLimitsPerRoute(rules);
        for (String cidr : trustedProxies) {
            Cidr.parse(cidr); // fails with the offending value
        }
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "gateway";
        }
        return host + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    }
}
