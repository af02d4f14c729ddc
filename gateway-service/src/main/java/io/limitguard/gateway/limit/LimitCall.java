package io.limitguard.gateway.limit;

/** One limit to evaluate in a script call: its Redis key, its spec, and what the request costs. */
public record LimitCall(String redisKey, LimitSpec limit, long cost) {
}
