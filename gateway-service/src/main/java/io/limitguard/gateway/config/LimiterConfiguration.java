package io.limitguard.gateway.config;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.limitguard.gateway.events.DecisionSink;
import io.limitguard.gateway.failure.FailureFallback;
import io.limitguard.gateway.failure.LimiterHealthIndicator;
import io.limitguard.gateway.failure.LocalLimiter;
import io.limitguard.gateway.failure.RedisGuard;
import io.limitguard.gateway.keys.KeyBounds;
import io.limitguard.gateway.limit.LimitCall;
import io.limitguard.gateway.limit.LimitEngine;
import io.limitguard.gateway.limit.LimitScripts;
import io.limitguard.gateway.limit.MeteredEngineListener;
import io.limitguard.gateway.limit.RedisConnection;
import io.limitguard.gateway.limit.TokenBucketLimit;
import io.limitguard.gateway.rules.RuleSet;
import io.limitguard.gateway.web.ConcurrencyReleases;
import io.limitguard.gateway.web.DecisionRecorder;
import io.limitguard.gateway.web.OverLimitCache;
import io.limitguard.gateway.web.ProblemResponses;
import io.limitguard.gateway.web.RateLimitFilter;
import io.limitguard.gateway.web.RateLimitHeaders;
import io.limitguard.gateway.web.RequestLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Flux;

/** Wires the limiter: Redis connection, script engine, guard, rules, and the global filter. */
@Configuration(proxyBeanMethods = false)
public class LimiterConfiguration {

    private static final Logger log = LoggerFactory.getLogger(LimiterConfiguration.class);
    static final String BREAKER = "redis";

    @Bean
    LimitScripts limitScripts() {
        return LimitScripts.load();
    }

    @Bean(destroyMethod = "close")
    RedisConnection redisConnection(LimitGuardProperties properties, LimitScripts scripts) {
        // On the first connect: load every script (a few kB each; a mix's first request must not pay a
        // NOSCRIPT round trip against its time limit; on a cluster Lettuce loads them on every node,
        // replicas included), then run the token-bucket script once on a throw-away key so the first real
        // request does not pay for cold code paths (class loading, first reply parsing) either. After a
        // Redis restart or a failover, NOSCRIPT reloads a script on demand.
        return RedisConnection.open(properties.redis(), commands -> {
            LimitEngine warmUp = new LimitEngine(scripts, () -> commands);
            Flux.fromIterable(scripts.all()).concatMap(script -> commands.scriptLoad(script.source()))
                    .then(warmUp.evaluate(List.of(new LimitCall("lg:{warm-up}:w", new TokenBucketLimit("w", 1, 1000), 0))))
                    .subscribe(evaluation -> log.info("Limiter scripts loaded ({} mixes of algorithms) and warmed up",
                                    scripts.all().size()),
                            e -> log.warn("Could not load the limiter scripts yet: {}", e.toString()));
        });
    }

    @Bean
    LimitEngine limitEngine(LimitScripts scripts, RedisConnection connection, LimitGuardProperties properties,
            MeterRegistry meters) {
        return new LimitEngine(scripts, connection::commandsOrNull, connection.splitsSlots(), properties.redis().batchSize(),
                new MeteredEngineListener(meters));
    }

    @Bean
    CircuitBreakerRegistry limiterCircuitBreakerRegistry(LimitGuardProperties properties, MeterRegistry meters) {
        BreakerProperties breaker = properties.breaker();
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(breaker.slidingWindowSize())
                .minimumNumberOfCalls(breaker.minimumCalls())
                .failureRateThreshold(breaker.failureRateThreshold())
                .waitDurationInOpenState(breaker.waitInOpen())
                .permittedNumberOfCallsInHalfOpenState(breaker.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .build());
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
        return registry;
    }

    @Bean
    RedisGuard redisGuard(CircuitBreakerRegistry registry, LimitGuardProperties properties, MeterRegistry meters) {
        CircuitBreaker breaker = registry.circuitBreaker(BREAKER);
        Timer latency = Timer.builder("limitguard.redis.latency")
                .description("Time of one limiter script call to Redis (successful calls)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(0).plusNanos(50_000))
                .maximumExpectedValue(properties.redis().timeout().multipliedBy(2))
                .register(meters);
        Counter timeouts = Counter.builder("limitguard.redis.timeouts")
                .description("Limiter calls to Redis that hit limitguard.redis.timeout (the rules' on-failure decided)")
                .register(meters);
        return new RedisGuard(breaker, properties.redis().timeout(), latency, timeouts);
    }

    @Bean
    RuleSet ruleSet(LimitGuardProperties properties) {
        // a misspelt rule field was refused when the rules were bound (RuleFieldsBindHandler)
        return RuleSet.from(properties);
    }

    @Bean
    LocalLimiter localLimiter(LimitGuardProperties properties) {
        return new LocalLimiter(properties.expectedInstances(), 100_000, Duration.ofMinutes(5));
    }

    @Bean
    ConcurrencyReleases concurrencyReleases(LimitEngine engine, LocalLimiter local, LimitGuardProperties properties,
            MeterRegistry meters) {
        return new ConcurrencyReleases(engine, local, properties.redis().commandTimeout(), meters);
    }

    @Bean
    RequestLimiter requestLimiter(LimitEngine engine, RedisGuard guard, LocalLimiter local,
            LimitGuardProperties properties, ObjectProvider<OverLimitCache> overLimit, ConcurrencyReleases releases) {
        return new RequestLimiter(engine, guard, new FailureFallback(local),
                new KeyBounds(properties.keys().maxLength()), properties.keys().onEmpty(), overLimit.getIfAvailable(),
                releases);
    }

    @Bean
    @ConditionalOnBooleanProperty("limitguard.over-limit-cache.enabled")
    OverLimitCache overLimitCache(LimitGuardProperties properties, MeterRegistry meters) {
        return new OverLimitCache(properties.overLimitCache().maxKeys(), meters);
    }

    @Bean
    DecisionRecorder decisionRecorder(ObjectProvider<DecisionSink> sink, MeterRegistry meters,
            LimitGuardProperties properties) {
        List<DecisionSink> sinks = sink.orderedStream().toList();
        DecisionSink all = switch (sinks.size()) {
            case 0 -> DecisionSink.NONE;
            case 1 -> sinks.get(0);
            default -> event -> sinks.forEach(each -> each.accept(event));
        };
        return new DecisionRecorder(all, meters, properties.instanceId());
    }

    @Bean
    RateLimitFilter rateLimitFilter(RuleSet rules, RequestLimiter limiter, DecisionRecorder recorder,
            LimitGuardProperties properties, ConcurrencyReleases releases) {
        long retryAfter = Math.max(1, (properties.breaker().waitInOpen().toMillis() + 999) / 1000);
        return new RateLimitFilter(rules, limiter, recorder, new RateLimitHeaders(properties.headers()),
                new ProblemResponses(retryAfter), releases);
    }

    @Bean
    LimiterHealthIndicator limiterHealthIndicator(RedisConnection connection, RedisGuard guard) {
        return new LimiterHealthIndicator(connection, guard);
    }
}
