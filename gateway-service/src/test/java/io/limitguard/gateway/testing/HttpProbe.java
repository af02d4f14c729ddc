package io.limitguard.gateway.testing;

import io.limitguard.gateway.web.DecisionRecorder;
import io.limitguard.gateway.limit.MeteredEngineListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import io.netty.handler.codec.http.HttpMethod;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/** A reactive HTTP client for gateway tests (many concurrent requests) and the decision counters of a gateway. */
public final class HttpProbe implements AutoCloseable {

    private final ConnectionProvider connections;
    private final HttpClient http;

    public HttpProbe() {
        connections = ConnectionProvider.builder("probe").maxConnections(400).pendingAcquireMaxCount(-1).build();
        http = HttpClient.create(connections).responseTimeout(Duration.ofSeconds(30));
    }

    /** One request; the response with its body. */
    public Mono<Response> request(String method, String url, Map<String, String> headers, String body) {
        HttpClient.RequestSender sender = http.headers(h -> headers.forEach(h::set))
                .request(HttpMethod.valueOf(method)).uri(url);
        // without a body, no send(): a GET must not go out with an (empty) chunked body
        HttpClient.ResponseReceiver<?> receiver = body == null ? sender
                : sender.send(ByteBufFlux.fromString(Mono.just(body)));
        return receiver.responseSingle((response, content) -> content.asString().defaultIfEmpty("")
                .map(text -> new Response(response.status().code(), response.responseHeaders(), text)));
    }

    public Mono<Response> get(String url, Map<String, String> headers) {
        return request("GET", url, headers, null);
    }

    public Response getNow(String url, Map<String, String> headers) {
        return get(url, headers).block(Duration.ofSeconds(30));
    }

    /** The gateway's {@code limitguard.decisions} count for a rule and outcome tag ({@code allowed}, {@code shadow_blocked}...). */
    public static long decisions(GatewayInstance gateway, String rule, String outcome) {
        Counter counter = gateway.bean(MeterRegistry.class).find(DecisionRecorder.METRIC)
                .tags("rule", rule, "outcome", outcome).counter();
        return counter == null ? 0 : (long) counter.count();
    }

    /** Limiter script calls the gateway made so far ({@code limitguard.redis.batch.requests} count). */
    public static long scriptCalls(GatewayInstance gateway) {
        DistributionSummary batches = batches(gateway);
        return batches == null ? 0 : batches.count();
    }

    /** Requests the gateway had decided in Redis so far, however many per script call ({@code limitguard.redis.batch.requests} sum). */
    public static long decidedInRedis(GatewayInstance gateway) {
        DistributionSummary batches = batches(gateway);
        return batches == null ? 0 : (long) batches.totalAmount();
    }

    /** {@code limitguard.redis.batch.requests}, or null before the gateway's first script call. */
    private static DistributionSummary batches(GatewayInstance gateway) {
        return gateway.bean(MeterRegistry.class).find(MeteredEngineListener.BATCH_REQUESTS).summary();
    }

    @Override
    public void close() {
        connections.disposeLater().block(Duration.ofSeconds(5));
    }

    /** Status, headers and body of one response. */
    public record Response(int status, io.netty.handler.codec.http.HttpHeaders headers, String body) {
        public String header(String name) {
            return headers.get(name);
        }
    }
}
