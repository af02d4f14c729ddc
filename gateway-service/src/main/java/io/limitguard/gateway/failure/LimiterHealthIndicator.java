package io.limitguard.gateway.failure;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.limitguard.gateway.limit.RedisConnection;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code /actuator/health} component {@code limiter}: the Redis connection and the breaker state.
 * Always UP: without Redis the gateway still serves in each rule's failure mode, so a dead Redis
 * must not take the gateway out of a load balancer. The details say what is degraded.
 */
public final class LimiterHealthIndicator implements HealthIndicator {

    private final RedisConnection connection;
    private final RedisGuard guard;

    public LimiterHealthIndicator(RedisConnection connection, RedisGuard guard) {
        this.connection = connection;
        this.guard = guard;
    }

    @Override
    public Health health() {
        CircuitBreaker breaker = guard.breaker();
        CircuitBreaker.State state = breaker.getState();
        boolean redisUp = connection.isOpen();
        boolean degraded = !redisUp || state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
        return Health.up()
                .withDetail("redis", redisUp ? "UP" : "DOWN")
                .withDetail("breaker", state.name())
                .withDetail("failureRate", breaker.getMetrics().getFailureRate())
                .withDetail("mode", degraded ? "failure-modes" : "redis")
                .build();
    }
}
