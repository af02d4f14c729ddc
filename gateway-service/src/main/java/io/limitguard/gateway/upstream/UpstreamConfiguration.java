package io.limitguard.gateway.upstream;

import java.time.Duration;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * How the gateway treats the routes' upstreams. Their host names are looked up again at least every
 * {@link #MAX_CACHE} (Reactor Netty's own asynchronous resolver, never the JVM's blocking one on an
 * event loop): an upstream that comes back with a new address (a restarted container, a rescheduled
 * pod) is reached again within seconds, whatever time-to-live its DNS server gave the old address. And
 * an upstream that cannot be reached or does not answer in time gets a 502 or 504 problem
 * ({@link UpstreamErrorHandler}); the time limits themselves are Spring Cloud Gateway's
 * {@code httpclient.connect-timeout} and {@code response-timeout}, set in application.yml.
 */
@Configuration(proxyBeanMethods = false)
class UpstreamConfiguration {

    static final Duration MAX_CACHE = Duration.ofSeconds(10);

    @Bean
    HttpClientCustomizer upstreamNameCache() {
        return httpClient -> httpClient.resolver(spec -> spec.cacheMaxTimeToLive(MAX_CACHE));
    }

    @Bean
    UpstreamErrorHandler upstreamErrorHandler() {
        return new UpstreamErrorHandler();
    }
}
