package io.limitguard.dashboard;

import io.limitguard.events.JsonSerde;
import io.limitguard.events.OutcomeCounts;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServer;

/**
 * A stand-in for the analytics query API (docs: {@code /tmp/team/HISTORY_API.md}), speaking its
 * contract: {@code block-rate} answers one window per step in [from, to) with deterministic counts,
 * {@code top-blocked} a fixed ranking, bad parameters a 400 problem+json naming the parameter.
 * {@code route=slow} answers after 30 s, to show the dashboard's timeout. It records the request URIs
 * it receives so tests can check the pass-through relays the query string verbatim.
 */
public final class StandInAnalytics implements AutoCloseable {

    static final List<Map<String, Object>> TOP_BLOCKED = List.of(
            Map.of("key", "client-a", "blocked", 42),
            Map.of("key", "client-b", "blocked", 17),
            Map.of("key", "10.0.0.7", "blocked", 5));

    /** Most windows in one block-rate answer (~230 bytes each), more than analytics' default 20,000. */
    static final int MAX_WINDOWS = 100_000;

    private final DisposableServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private StandInAnalytics() {
        this.server = HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes
                        .get("/api/v1/block-rate", this::blockRate)
                        .get("/api/v1/top-blocked", this::topBlocked))
                .bindNow();
    }

    public static StandInAnalytics start() {
        return new StandInAnalytics();
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    public int port() {
        return server.port();
    }

    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** The counts the stand-in reports for window number {@code i} of any query. */
    public static OutcomeCounts countsOfWindow(long i) {
        // Smooth enough to look like traffic in the screenshot, varied enough to catch a wrong column.
        return new OutcomeCounts(150 + Math.round(20 * Math.sin(i / 4.0)), 8 + Math.round(5 * Math.sin(i / 3.0)), 0,
                i % 5 == 0 ? 2 : 0, 0, 0, 0);
    }

    private Mono<Void> blockRate(HttpServerRequest request, HttpServerResponse response) {
        requests.add(request.uri());
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        String route = first(query, "route");
        String rule = first(query, "rule");
        if ((route == null) == (rule == null)) {
            return problem(request, response, "exactly one of route or rule is required");
        }
        if ("migrating".equals(route)) { // what analytics answers while its stores migrate
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", "about:blank");
            body.put("title", "Service Unavailable");
            body.put("status", 503);
            body.put("detail", "State stores still unavailable after PT5S");
            body.put("instance", "/api/v1/block-rate");
            response.header("Retry-After", "1");
            return json(response, HttpResponseStatus.SERVICE_UNAVAILABLE, "application/problem+json", body);
        }
        Duration step = switch (String.valueOf(first(query, "step"))) {
            case "1s" -> Duration.ofSeconds(1);
            case "1m" -> Duration.ofMinutes(1);
            case "1h" -> Duration.ofHours(1);
            default -> null;
        };
        if (step == null) {
            return problem(request, response, "step must be one of 1s, 1m, 1h");
        }
        Instant from;
        Instant to;
        try {
            from = Instant.parse(String.valueOf(first(query, "from")));
            to = Instant.parse(String.valueOf(first(query, "to")));
        } catch (DateTimeParseException e) {
            return problem(request, response, "from and to must be ISO-8601 instants");
        }
        if (!from.isBefore(to)) {
            return problem(request, response, "from must be before to");
        }
        List<Map<String, Object>> windows = new ArrayList<>();
        long stepMs = step.toMillis();
        long i = 0;
        for (long start = from.toEpochMilli() / stepMs * stepMs; start < to.toEpochMilli() && i < MAX_WINDOWS; start += stepMs, i++) {
            OutcomeCounts c = countsOfWindow(i);
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("start", Instant.ofEpochMilli(start).toString());
            w.put("end", Instant.ofEpochMilli(start + stepMs).toString());
            w.put("allowed", c.allowed());
            w.put("blocked", c.blocked());
            w.put("shadowBlocked", c.shadowBlocked());
            w.put("failedOpen", c.failedOpen());
            w.put("failedClosed", c.failedClosed());
            w.put("localAllowed", c.localAllowed());
            w.put("localBlocked", c.localBlocked());
            w.put("total", c.total());
            w.put("blockRate", c.blockRate());
            windows.add(w);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("dimension", route != null ? "route" : "rule");
        body.put("id", route != null ? route : rule);
        body.put("step", first(query, "step"));
        body.put("from", from.toString());
        body.put("to", to.toString());
        body.put("windows", windows);
        Mono<Void> answer = json(response, HttpResponseStatus.OK, "application/json", body);
        return "slow".equals(route) ? Mono.delay(Duration.ofSeconds(30)).then(answer) : answer;
    }

    private Mono<Void> topBlocked(HttpServerRequest request, HttpServerResponse response) {
        requests.add(request.uri());
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("from", first(query, "from"));
        body.put("to", first(query, "to"));
        body.put("limit", 10);
        body.put("keys", TOP_BLOCKED);
        return json(response, HttpResponseStatus.OK, "application/json", body);
    }

    private static Mono<Void> problem(HttpServerRequest request, HttpServerResponse response, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", "Bad Request");
        body.put("status", 400);
        body.put("detail", detail);
        body.put("instance", new QueryStringDecoder(request.uri()).path());
        return json(response, HttpResponseStatus.BAD_REQUEST, "application/problem+json", body);
    }

    private static Mono<Void> json(HttpServerResponse response, HttpResponseStatus status, String contentType, Object body) {
        byte[] bytes = JsonSerde.MAPPER.writeValueAsBytes(body);
        return response.status(status).header("Content-Type", contentType)
                .sendByteArray(Mono.just(bytes)).then();
    }

    private static String first(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
