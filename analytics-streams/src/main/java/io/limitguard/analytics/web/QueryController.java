package io.limitguard.analytics.web;

import io.limitguard.analytics.query.AnalyticsQueryService;
import io.limitguard.analytics.query.BlockRate;
import io.limitguard.analytics.query.TopBlocked;
import java.time.Instant;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** The public history API (see docs/ARCHITECTURE.md, "Analytics query API"). */
@RestController
@RequestMapping("/api/v1")
public class QueryController {

    private final QueryParameters parameters;
    private final AnalyticsQueryService queries;

    public QueryController(QueryParameters parameters, AnalyticsQueryService queries) {
        this.parameters = parameters;
        this.queries = queries;
    }

    @GetMapping("/block-rate")
    public Mono<BlockRate> blockRate(@RequestParam(required = false) String route,
                                     @RequestParam(required = false) String rule,
                                     @RequestParam(required = false) String from,
                                     @RequestParam(required = false) String to,
                                     @RequestParam(required = false) String step,
                                     ServerHttpRequest request) {
        QueryParameters.refuseRepeated(request.getQueryParams());
        return queries.blockRate(parameters.blockRate(route, rule, from, to, step));
    }

    @GetMapping("/top-blocked")
    public Mono<TopBlocked> topBlocked(@RequestParam(required = false) String from,
                                       @RequestParam(required = false) String to,
                                       @RequestParam(required = false) String limit,
                                       ServerHttpRequest request) {
        QueryParameters.refuseRepeated(request.getQueryParams());
        Instant[] range = parameters.topBlockedRange(from, to);
        return queries.topBlocked(range[0], range[1], parameters.limit(limit));
    }
}
