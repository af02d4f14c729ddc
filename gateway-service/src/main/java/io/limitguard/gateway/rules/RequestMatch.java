package io.limitguard.gateway.rules;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.web.util.UriUtils;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * Which requests of its routes a rule applies to: a path matching one of its patterns (none = every path)
 * and one of its methods (none = every method).
 *
 * <p>The path is matched as the upstream is likely to read it, not as the client spelt it: %-escapes decoded,
 * matrix parameters ({@code ;jsessionid=...}) dropped, empty and {@code .} segments removed, {@code ..} applied
 * and a trailing slash ignored. Otherwise {@code //login}, {@code /./login}, {@code /x/../login} or
 * {@code /%6Cogin} would reach an upstream that normalises them to {@code /login} without the rule for
 * {@code /login}. For the same reason {@code GET} includes {@code HEAD}: most servers run a GET's handler for it.
 */
public record RequestMatch(List<PathPattern> paths, Set<String> methods) {

    public static final int MAX_PATHS = 64;
    /** The methods of RFC 9110 and PATCH: a misspelt one is refused rather than matching nothing. */
    public static final List<String> METHODS =
            List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");

    /** Every request. */
    public static final RequestMatch ANY = new RequestMatch(List.of(), Set.of());

    public RequestMatch {
        paths = List.copyOf(paths);
        methods = Set.copyOf(methods);
    }

    /** The match of validated {@code paths} and upper-case {@code methods}. */
    public static RequestMatch of(List<String> paths, List<String> methods) {
        if (paths.isEmpty() && methods.isEmpty()) {
            return ANY;
        }
        Set<String> matched = new HashSet<>(methods);
        if (matched.contains("GET")) {
            matched.add("HEAD");
        }
        return new RequestMatch(paths.stream().map(RequestMatch::pattern).toList(), matched);
    }

    /** What is wrong with a rule's {@code paths} and {@code methods}, naming the field; null when nothing is. */
    public static String problem(List<String> paths, List<String> methods) {
        if (paths.size() > MAX_PATHS) {
            return "paths: at most " + MAX_PATHS + " per rule, was " + paths.size();
        }
        for (int i = 0; i < paths.size(); i++) {
            String path = paths.get(i);
            if (path == null || !path.startsWith("/")) {
                return "paths[" + i + "]: '" + path + "' is not a path pattern: must start with /";
            }
            try {
                pattern(path);
            } catch (PatternParseException e) {
                return "paths[" + i + "]: '" + path + "' is not a path pattern: " + e.getMessage() + " (at character "
                        + e.getPosition() + ")";
            }
        }
        for (int i = 0; i < methods.size(); i++) {
            if (!METHODS.contains(methods.get(i))) {
                return "methods[" + i + "]: '" + methods.get(i) + "' is not one of " + METHODS;
            }
        }
        return null;
    }

    /** A trailing slash counts on neither side: {@code /login/} is {@code /login} to most upstreams. */
    private static PathPattern pattern(String path) {
        String withoutTrailingSlash = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return PathPatternParser.defaultInstance.parse(withoutTrailingSlash);
    }

    public boolean matchesEverything() {
        return paths.isEmpty() && methods.isEmpty();
    }

    public boolean hasPaths() {
        return !paths.isEmpty();
    }

    /**
     * Whether a request of {@code method} to {@code normalisedPath} ({@link #normalise}; null when this match has
     * no paths) is one of this match's.
     */
    public boolean matches(String method, PathContainer normalisedPath) {
        if (!methods.isEmpty() && !methods.contains(method)) {
            return false;
        }
        if (paths.isEmpty()) {
            return true;
        }
        for (PathPattern pattern : paths) {
            if (pattern.matches(normalisedPath)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The request's path as rules match it (see the class comment): computed once per request, for all the rules
     * of its route.
     */
    public static PathContainer normalise(RequestPath path) {
        Deque<String> segments = new ArrayDeque<>();
        for (PathContainer.Element element : path.pathWithinApplication().elements()) {
            if (element instanceof PathContainer.PathSegment segment) {
                String value = segment.valueToMatch();
                if (value.isEmpty() || value.equals(".")) {
                    continue;
                }
                if (value.equals("..")) {
                    segments.pollLast();
                } else {
                    // encoded again, so that parsing the result decodes each segment once (and %2F stays inside it)
                    segments.addLast(UriUtils.encodePathSegment(value, StandardCharsets.UTF_8));
                }
            }
        }
        return PathContainer.parsePath("/" + String.join("/", segments));
    }
}
