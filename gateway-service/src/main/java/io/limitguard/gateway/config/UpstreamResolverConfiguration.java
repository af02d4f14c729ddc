package io.limitguard.gateway.config;

import java.time.Duration;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Upstream host names are looked up again at least every {@link #MAX_CACHE} (Reactor Netty's own
 * asynchronous resolver, never the JVM's blocking one on an event loop): an upstream that comes back
 * with a new address (a restarted container, a rescheduled pod) is reached again within seconds,
 * whatever time-to-live its DNS server gave the old address.
 */
@Configuration(proxyBeanMethods = false)
class UpstreamResolverConfiguration {

    static final Duration MAX_CACHE = Duration.ofSeconds(10);

    @Bean
    HttpClientCustomizer upstreamNameCache() {
        return httpClient -> httpClient.resolver(spec -> spec.cacheMaxTimeToLive(MAX_CACHE));
    }
}
