package io.limitguard.bench.scgpeer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Mono;

/** Stock Spring Cloud Gateway with RedisRateLimiter, keyed by X-API-Key like LimitGuard's bench rule. */
@SpringBootApplication
public class ScgPeerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ScgPeerApplication.class, args);
    }

    @Bean
    KeyResolver apiKeyResolver() {
        return exchange -> Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst("X-API-Key"))
                .defaultIfEmpty("anonymous");
    }
}
