package io.limitguard.gateway.web;

import io.limitguard.gateway.rules.RefusedPathException;
import io.limitguard.gateway.rules.Rule;
import io.limitguard.gateway.rules.RuleSet;
import java.util.List;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The limiter on the request path: for the matched route, decide with every applicable rule,
 * report the decision, set the rate-limit headers, then forward or answer 429/503/400 without
 * calling the upstream. Runs early, before any routing filter.
 */
public final class RateLimitFilter implements GlobalFilter, Ordered {

    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10_000;

    private final RuleSet rules;
    private final RequestLimiter limiter;
    private final DecisionRecorder recorder;
    private final RateLimitHeaders headers;
    private final ProblemResponses problems;
    private final ConcurrencyReleases releases;

    public RateLimitFilter(RuleSet rules, RequestLimiter limiter, DecisionRecorder recorder, RateLimitHeaders headers,
            ProblemResponses problems, ConcurrencyReleases releases) {
        this.rules = rules;
        this.limiter = limiter;
        this.recorder = recorder;
        this.headers = headers;
        this.problems = problems;
        this.releases = releases;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        if (route == null) {
            return chain.filter(exchange);
        }
        String routeId = route.getId();
        List<Rule> applicable;
        try {
            applicable = rules.forRequest(routeId, exchange.getRequest());
        } catch (RefusedPathException e) {
            return ProblemResponses.refusedPath(exchange, routeId, e);
        }
        if (applicable.isEmpty()) {
            return chain.filter(exchange);
        }
        long requestId = ConcurrencyReleases.requestIdFor(applicable);
        return limiter.decide(exchange, routeId, applicable, requestId).flatMap(decision -> {
            recorder.record(routeId, decision);
            headers.apply(exchange.getResponse().getHeaders(), decision);
            return switch (decision.status()) {
                case ALLOWED -> releases.holdWhile(chain.filter(exchange), decision, requestId);
                // a shadow rule's own group may have taken a concurrency slot although the request is rejected
                case RATE_LIMITED -> releases.holdWhile(problems.tooManyRequests(exchange, decision), decision, requestId);
                case UNAVAILABLE -> problems.unavailable(exchange, decision);
                case MISSING_KEY -> problems.missingKey(exchange, decision);
                case REPEATED_KEY -> problems.repeatedKey(exchange, decision);
                case INVALID_COST -> problems.invalidCost(exchange, decision);
            };
        });
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
