package io.limitguard.gateway.config;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Keeps the per-request meters' series bounded whatever method name clients send. HTTP allows any token as a
 * method, Netty accepts it, and a route without a method predicate proxies it: Spring Cloud Gateway's
 * {@code spring.cloud.gateway.requests} (tag {@code httpMethod}) and {@code http.client.requests} /
 * {@code http.client.requests.active} (tag {@code http.method}) took each name as a tag value, so 3,000 requests
 * with the methods {@code M000000..M002999} added 18,000 series and 5 MB to {@code /actuator/prometheus}. Every
 * method outside the standard ones is now counted as {@code UNKNOWN}, the value Spring's own
 * {@code http.server.requests} (tag {@code method}) uses for them.
 */
@Configuration(proxyBeanMethods = false)
public class MetricsConfiguration {

    @Bean
    MeterFilter httpMethodTags() {
        return new HttpMethodTags();
    }

    /** Replaces a non-standard method in the method tags of the HTTP meters by {@link #UNKNOWN}. */
    static final class HttpMethodTags implements MeterFilter {

        static final String UNKNOWN = "UNKNOWN";
        /**
         * RFC 9110's methods and PATCH (RFC 5789), compared as they are (methods are case-sensitive: {@code get} is
         * not GET). Spring's {@code http.server.requests} has no CONNECT (its HttpMethod does not), so a CONNECT
         * request is {@code UNKNOWN} there and {@code CONNECT} here: one value either way.
         */
        static final Set<String> STANDARD = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
                "TRACE", "PATCH");
        /** Spring Cloud Gateway's ({@code httpMethod}), its observation's ({@code http.method}), Spring's. */
        static final Set<String> KEYS = Set.of("httpMethod", "http.method", "method");
        /** Names of the meters whose method tag is an HTTP method (Reactor Netty's own, when turned on, too). */
        static final List<String> PREFIXES = List.of("http.", "spring.cloud.gateway.", "reactor.netty.http.");

        @Override
        public Meter.Id map(Meter.Id id) {
            // Micrometer maps an id only when it has not seen it before: not on every request
            if (PREFIXES.stream().noneMatch(id.getName()::startsWith)) {
                return id;
            }
            List<Tag> tags = null;
            List<Tag> original = id.getTags();
            for (int i = 0; i < original.size(); i++) {
                Tag tag = original.get(i);
                if (KEYS.contains(tag.getKey()) && !STANDARD.contains(tag.getValue())) {
                    if (tags == null) {
                        tags = new ArrayList<>(original);
                    }
                    tags.set(i, Tag.of(tag.getKey(), UNKNOWN));
                }
            }
            return tags == null ? id : id.replaceTags(tags);
        }
    }
}
