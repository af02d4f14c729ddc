package io.limitguard.gateway.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;

class RequestMatchTest {

    private final RequestMatch login = RequestMatch.of(List.of("/demo/login", "/demo/users/{id}/**"), List.of("POST"));

    @Test
    void aRequestMatchesOnlyItsPathsAndMethods() {
        assertThat(login.matches("POST", path("/demo/login"))).isTrue();
        assertThat(login.matches("POST", path("/demo/users/7/orders/1"))).isTrue();
        assertThat(login.matches("GET", path("/demo/login"))).isFalse();
        assertThat(login.matches("POST", path("/demo/logins"))).isFalse();
        assertThat(login.matches("POST", path("/demo/users"))).isFalse();
        RequestMatch reads = RequestMatch.of(List.of(), List.of("GET"));
        assertThat(reads.matches("GET", path("/anything"))).isTrue();
        assertThat(reads.matches("HEAD", path("/anything"))).as("a HEAD runs the GET's handler on most servers").isTrue();
        assertThat(reads.matches("POST", path("/anything"))).isFalse();
        assertThat(RequestMatch.ANY.matches("DELETE", path("/"))).isTrue();
        assertThat(RequestMatch.of(List.of("/demo/login/"), List.of()).matches("GET", path("/demo/login"))).isTrue();
        assertThat(RequestMatch.of(List.of("/"), List.of()).matches("GET", path("//"))).isTrue();
    }

    @Test
    void spellingsAnUpstreamReadsAsThePathDoNotEscapeTheRule() {
        for (String spelling : List.of("/demo//login", "/demo/./login", "/demo/x/../login", "/demo/%6Cogin",
                "/demo/login;jsessionid=1", "//demo/login", "/demo/login/", "/x/../../demo/login")) {
            assertThat(login.matches("POST", path(spelling))).as(spelling).isTrue();
        }
    }

    @Test
    void decodedSegmentsAreNotDecodedTwiceNorSplit() {
        // %2525 is a literal "%25" once decoded: not "%"; %2F is a character of a segment, not a separator
        assertThat(login.matches("POST", path("/demo/%256Cogin"))).isFalse();
        assertThat(login.matches("POST", path("/demo/%2Fdemo%2Flogin"))).isFalse();
        assertThat(RequestMatch.of(List.of("/a/{name}"), List.of()).matches("GET", path("/a/%25zz"))).isTrue();
    }

    private static PathContainer path(String path) {
        return RequestMatch.normalise(RequestPath.parse(path, null));
    }
}
