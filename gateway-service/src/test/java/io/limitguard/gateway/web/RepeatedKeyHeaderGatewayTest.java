package io.limitguard.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.gateway.testing.HttpProbe;
import io.limitguard.gateway.testing.HttpProbe.Response;
import io.limitguard.gateway.testing.OneGateway;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.testsupport.Closing;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A request that carries the key header of a rule ({@code key: header:X-API-Key}) more than once: the limiter
 * would charge one value and the upstream may read another (the last, or all joined with commas), so an enforced
 * rule refuses it with a 400 problem, charges nothing and never calls the upstream; a shadow rule does not apply
 * to it. The requests go out over a plain socket, so the header really is on the wire twice (no client merges it).
 * One gateway, one real Redis.
 */
class RepeatedKeyHeaderGatewayTest {

    private static OneGateway bed;

    @BeforeAll
    static void start() {
        // capacity 3, no refill to speak of: "r=2" after a request shows that nothing was charged before it
        bed = OneGateway.start(upstream -> new Rules()
                .route("demo", upstream.uri(), "/demo/**")
                .rule("api", "demo", "header:X-API-Key", "closed", "three", 3, 0.001)
                .route("trial", upstream.uri(), "/trial/**")
                .rule("trial-rule", "trial", "header:X-API-Key", "closed", "one", 1, 0.001)
                .ruleProperty("mode", "shadow"));
    }

    @AfterAll
    static void stop() {
        Closing.all(bed);
    }

    @Test
    void aRepeatedKeyHeaderIsA400ProblemThatChargesNothingAndNeverReachesTheUpstream() throws IOException {
        int before = bed.upstream().requests();
        long scriptCalls = HttpProbe.scriptCalls(bed.gateway());
        String[][] variants = {
                {"X-API-Key: k0", "X-API-Key: victim"},          // rotate the first, the upstream reads the last
                {"X-API-Key: victim", "X-API-Key: victim"},      // the same value twice: still two field lines
                {"X-API-Key:", "X-API-Key: victim"},             // an empty first one (no key: the shared bucket)
                {"X-API-Key: k0", "x-api-key: victim"},          // names are case-insensitive
                {"X-API-Key: k0", "X-API-Key: k1", "X-API-Key: victim"},
        };
        for (String[] lines : variants) {
            RawResponse response = send("/demo/x?a=1", lines);
            assertThat(response.status()).as("%s", String.join(" / ", lines)).isEqualTo(400);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.header("RateLimit")).isNull();
            JsonNode body = JsonMapper.shared().readTree(response.body());
            assertThat(body.get("type").asString()).isEqualTo("https://limitguard.io/problems/repeated-key");
            assertThat(body.get("title").asString()).isEqualTo("Bad Request");
            assertThat(body.get("status").asInt()).isEqualTo(400);
            assertThat(body.get("detail").asString())
                    .isEqualTo("Header X-API-Key must appear at most once: it is the key of rule 'api'.");
            assertThat(body.get("instance").asString()).isEqualTo("/demo/x");
            assertThat(body.get("rule").asString()).isEqualTo("api");
            assertThat(body.get("header").asString()).isEqualTo("X-API-Key");
        }
        assertThat(bed.upstream().requests() - before).as("no refused request reached the upstream").isZero();
        assertThat(HttpProbe.scriptCalls(bed.gateway()) - scriptCalls).as("nor Redis").isZero();
        assertThat(HttpProbe.decisions(bed.gateway(), "api", "repeated_key")).isEqualTo(variants.length);
        assertThat(HttpProbe.decisions(bed.gateway(), "api", "allowed")).isZero();
        // nobody was charged: each key (and the shared bucket of key-less requests) still has its whole limit
        for (String key : new String[] {"victim", "k0", "k1"}) {
            assertThat(send("/demo/x", "X-API-Key: " + key).rateLimit()).as(key).isEqualTo("200 r=2");
        }
        assertThat(send("/demo/x").rateLimit()).as("no key").isEqualTo("200 r=2");
        assertThat(bed.upstream().requests() - before).isEqualTo(4);
    }

    @Test
    void aSingleKeyHeaderIsLimitedAsBeforeAndACommaInItIsPartOfTheKey() throws IOException {
        assertThat(send("/demo/x", "X-API-Key: alice").rateLimit()).isEqualTo("200 r=2");
        assertThat(send("/demo/x", "X-API-Key: alice").rateLimit()).isEqualTo("200 r=1");
        // the same through an ordinary client
        Response response = bed.http().getNow(bed.gateway().baseUrl() + "/demo/x", Map.of("X-API-Key", "alice"));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("RateLimit")).startsWith("\"three\";r=0;");
        assertThat(send("/demo/x", "X-API-Key: alice").rateLimit()).isEqualTo("429");
        // one field line is one value (RFC 9110: only list fields are split on commas), so one key of its own
        // that charges neither "bob" nor "carol"
        assertThat(send("/demo/x", "X-API-Key: bob, carol").rateLimit()).isEqualTo("200 r=2");
        assertThat(send("/demo/x", "X-API-Key: bob, carol").rateLimit()).isEqualTo("200 r=1");
        assertThat(send("/demo/x", "X-API-Key: bob").rateLimit()).isEqualTo("200 r=2");
        assertThat(send("/demo/x", "X-API-Key: carol").rateLimit()).isEqualTo("200 r=2");
        // another header may come twice
        assertThat(send("/demo/x", "X-API-Key: dave", "X-Other: 1", "X-Other: 2").rateLimit()).isEqualTo("200 r=2");
    }

    /**
     * A shadow rule never blocks: a request with its key header twice is not refused for it and is not counted
     * under it (an enforced rule would refuse it uncharged, and a shadow rule counts what enforcing it would).
     */
    @Test
    void aShadowRuleLetsARepeatedKeyHeaderThroughWithoutCountingIt() throws IOException {
        int before = bed.upstream().requests();
        for (int i = 0; i < 3; i++) {
            RawResponse response = send("/trial/x", "X-API-Key: k" + i, "X-API-Key: mallory");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("ok");
        }
        assertThat(bed.upstream().requests() - before).isEqualTo(3);
        assertThat(HttpProbe.decisions(bed.gateway(), "trial-rule", "allowed")).isZero();
        assertThat(HttpProbe.decisions(bed.gateway(), "trial-rule", "shadow_blocked")).isZero();
        assertThat(HttpProbe.decisions(bed.gateway(), "trial-rule", "repeated_key")).isZero();
        // capacity 1, nothing taken: mallory's first request of its own is allowed, the second would have been blocked
        assertThat(send("/trial/x", "X-API-Key: mallory").status()).isEqualTo(200);
        assertThat(send("/trial/x", "X-API-Key: mallory").status()).isEqualTo(200);
        assertThat(HttpProbe.decisions(bed.gateway(), "trial-rule", "allowed")).isEqualTo(1);
        assertThat(HttpProbe.decisions(bed.gateway(), "trial-rule", "shadow_blocked")).isEqualTo(1);
    }

    /** Sends {@code GET path} with these header lines, exactly as written, on a new connection; the whole answer. */
    private static RawResponse send(String path, String... headerLines) throws IOException {
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket("127.0.0.1", bed.gateway().port())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = raw.indexOf("\r\n\r\n");
            assertThat(end).as("a whole response head in %s", raw).isPositive();
            return new RawResponse(raw.substring(0, end), raw.substring(end + 4));
        }
    }

    /** An answer read off the socket: its head (status line and header lines) and body (not chunked here). */
    private record RawResponse(String head, String body) {

        int status() {
            return Integer.parseInt(head.substring(9, 12));
        }

        String header(String name) {
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ":")) {
                    return line.substring(name.length() + 1).trim();
                }
            }
            return null;
        }

        /** The status, with the remaining quota of the RateLimit header on a 200. */
        String rateLimit() {
            String rateLimit = header("RateLimit");
            return status() != 200 ? Integer.toString(status())
                    : "200 " + (rateLimit == null ? "-" : rateLimit.replaceAll(".*;r=(\\d+);.*", "r=$1"));
        }
    }
}
