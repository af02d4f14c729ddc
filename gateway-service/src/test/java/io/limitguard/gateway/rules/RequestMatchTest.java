package io.limitguard.gateway.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;

class RequestMatchTest {

    private final RequestMatch login = RequestMatch.of(List.of("/demo/login/**", "/demo/users/{id}/**"), List.of("POST"));

    @Test
    void aRequestMatchesOnlyItsPathsAndMethods() {
        assertThat(login.matches("POST", readings("/demo/login"))).isTrue();
        assertThat(login.matches("POST", readings("/demo/users/7/orders/1"))).isTrue();
        assertThat(login.matches("GET", readings("/demo/login"))).isFalse();
        assertThat(login.matches("POST", readings("/demo/logins"))).isFalse();
        assertThat(login.matches("POST", readings("/demo/users"))).isFalse();
        RequestMatch reads = RequestMatch.of(List.of(), List.of("GET"));
        assertThat(reads.matches("GET", readings("/anything"))).isTrue();
        assertThat(reads.matches("HEAD", readings("/anything"))).as("a HEAD runs the GET's handler on most servers").isTrue();
        assertThat(reads.matches("POST", readings("/anything"))).isFalse();
        assertThat(RequestMatch.ANY.matches("DELETE", readings("/"))).isTrue();
        assertThat(RequestMatch.of(List.of("/demo/login/"), List.of()).matches("GET", readings("/demo/login"))).isTrue();
        assertThat(RequestMatch.of(List.of("/"), List.of()).matches("GET", readings("//"))).isTrue();
    }

    @Test
    void methodsMatchInAnyCase() {
        // RFC 9110 methods are case-sensitive, but Django, Werkzeug and others upper-case what they get
        for (String method : List.of("post", "Post", "pOST")) {
            assertThat(login.matches(method, readings("/demo/login"))).as(method).isTrue();
        }
        assertThat(RequestMatch.of(List.of(), List.of("GET")).matches("head", readings("/x"))).isTrue();
    }

    @Test
    void spellingsAnUpstreamReadsAsThePathDoNotEscapeTheRule() {
        for (String spelling : List.of("/demo//login", "/demo/%6Cogin", "/demo/login;jsessionid=1", "//demo/login",
                "/demo/login/", "/demo/login%2Fx", "/demo%2Flogin", "/demo/%2Flogin", "/demo/login%5Cx", "/demo/login%2F")) {
            assertThat(login.matches("POST", readings(spelling))).as(spelling).isTrue();
        }
    }

    @Test
    void anEncodedSlashMatchesEitherReading() {
        // GitLab-style ids keep %2F inside the segment: the rule for one segment still applies
        RequestMatch project = RequestMatch.of(List.of("/api/projects/{id}"), List.of());
        assertThat(project.matches("GET", readings("/api/projects/group%2Fname"))).isTrue();
        assertThat(readings("/api/projects/group%2Fname")).hasSize(2);
        assertThat(readings("/api/projects/group")).hasSize(1);
    }

    @Test
    void aPathWithADotSegmentIsRefusedInEverySpelling() {
        for (String spelling : List.of("/demo/../login", "/demo/./login", "/x/../demo/login", "/demo/%2e%2e/login",
                "/demo/.%2E/login", "/demo/..%2Flogin", "/demo/%2E/login", "/demo/..;x=1/login", "/demo/..%5Clogin",
                "/demo/login/..", "/..")) {
            assertThatThrownBy(() -> readings(spelling)).as(spelling).isInstanceOf(RefusedPathException.class);
        }
        // dots that are not a whole segment are a name's
        assertThat(login.matches("POST", readings("/demo/login/.well-known/..x"))).isTrue();
    }

    @Test
    void decodedSegmentsAreNotDecodedTwice() {
        // %2525 is a literal "%25" once decoded: not "%"
        assertThat(login.matches("POST", readings("/demo/%256Cogin"))).isFalse();
        assertThat(RequestMatch.of(List.of("/a/{name}"), List.of()).matches("GET", readings("/a/%25zz"))).isTrue();
        assertThat(RequestMatch.of(List.of("/a/{name}"), List.of()).matches("GET", readings("/a/%252e%252e"))).isTrue();
    }

    @Test
    void aRegexInAPathIsRefusedAtValidation() {
        assertThat(RequestMatch.problem(List.of("/ok/{id}", "/users/{id:(\\d+)}"), List.of()))
                .startsWith("paths[1]: '/users/{id:(\\d+)}' holds a regular expression ({name:regex})");
        assertThat(RequestMatch.problem(List.of("/x/{v:(?:a+)+b}"), List.of())).startsWith("paths[0]:");
        assertThat(RequestMatch.problem(List.of("/v1/items:batch", "/files/{*rest}", "/a/{b}/**"), List.of())).isNull();
    }

    private static List<PathContainer> readings(String path) {
        return RequestMatch.readings(RequestPath.parse(path, null));
    }
}
