package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.gateway.testing.OneGateway;
import io.limitguard.gateway.testing.Rules;
import io.limitguard.server.UnknownHealthPathHandler;
import io.limitguard.testsupport.Closing;
import io.limitguard.testsupport.RawHttp;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A health path below a name the health endpoint does not know is a 404 without an ERROR in the log
 * ({@link UnknownHealthPathHandler}), where Spring Boot alone answers 500 and logs a stack trace per request.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnknownHealthPathTest {

    /** Raw paths, as a client may send them (no client-side clean-up of the dot segments). */
    private static final List<String> UNKNOWN = List.of("/actuator/health/nosuch/x", "/actuator/health/x/../liveness",
            "/actuator/health/./liveness", "/actuator/health/%2e%2e/liveness", "/actuator/health/a/b/c/d");

    private static OneGateway bed;

    @BeforeAll
    static void start() {
        bed = OneGateway.start(upstream -> new Rules()
                .route("demo", upstream.uri(), "/demo/**")
                .rule("per-client", "demo", "header:X-API-Key", "open", "burst", 10, 1));
    }

    @AfterAll
    static void stop() {
        Closing.all(bed);
    }

    @Test
    void unknownHealthPathsAre404WithoutAnErrorLogged(CapturedOutput output) throws IOException {
        for (String path : UNKNOWN) {
            assertThat(RawHttp.get(bed.gateway().port(), path).status()).as(path).isEqualTo(404);
        }
        assertThat(output.getOut()).doesNotContain("500 Server Error", UnknownHealthPathHandler.SPRING_BOOT_MESSAGE);
    }

    @Test
    void knownHealthPathsAnswerAsBefore() {
        assertThat(status("/actuator/health")).isEqualTo(200);
        assertThat(status("/actuator/health/liveness")).isEqualTo(200);
        assertThat(status("/actuator/health/limiter")).isEqualTo(200);
        assertThat(status("/actuator/health/nosuch")).isEqualTo(404);
        assertThat(status("/actuator/health/limiter/x")).isEqualTo(404);
    }

    private static int status(String path) {
        return bed.http().getNow(bed.gateway().baseUrl() + path, Map.of()).status();
    }
}
