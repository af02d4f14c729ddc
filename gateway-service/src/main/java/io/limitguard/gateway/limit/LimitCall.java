package io.limitguard.gateway.limit;

/**
 * One limit to evaluate in a script call: its Redis key, its spec, what the request costs, the
 * request's id (a concurrency limit's lease is named by it; 0 when no limit of the call holds one),
 * and its group: 0 for enforced limits, which are charged all-or-nothing together; each shadow rule
 * has a group of its own, charged all-or-nothing on its own and never deciding the request.
 */
public record LimitCall(String redisKey, LimitSpec limit, long cost, long requestId, int group) {

    public static final int ENFORCED = 0;

    public LimitCall(String redisKey, LimitSpec limit, long cost, long requestId) {
        this(redisKey, limit, cost, requestId, ENFORCED);
    }

    public LimitCall(String redisKey, LimitSpec limit, long cost) {
        this(redisKey, limit, cost, 0, ENFORCED);
    }
}
