package io.limitguard.gateway.rules;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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
 * <p>The path is matched as an upstream may read it, not as the client spelt it: %-escapes decoded, matrix
 * parameters ({@code ;jsessionid=...}) dropped, empty segments removed and a trailing slash ignored. Otherwise
 * {@code //login}, {@code /%6Cogin} or {@code /login;a=1} would reach an upstream that reads them as {@code /login}
 * without the rule for {@code /login}. An encoded slash or backslash ({@code %2F}, {@code %5C}) is a character of
 * its segment to some upstreams and a separator to others, so the rule applies when either reading matches.
 * A path with a dot segment ({@code .} or {@code ..}, in any spelling) is refused ({@link RefusedPathException}):
 * where the upstream would apply it depends on what the route's filters did to the path first (after
 * {@code StripPrefix}, {@code /api/../login} reaches the upstream as {@code /../login}), so no reading of it is
 * safe to match; clients remove dot segments before sending (RFC 3986), so only crafted requests carry them.
 * For the same reason as the path, {@code GET} includes {@code HEAD} (most servers run a GET's handler for it) and
 * methods are matched in any case ({@code post} is {@code POST} to many frameworks).
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
            if (hasRegex(path)) {
                // a regex runs on every request of the route, on the event loop: a backtracking one ((a+)+b) stalls
                // it, and one with a capture group fails every request (PathPattern refuses those only when matching)
                return "paths[" + i + "]: '" + path + "' holds a regular expression ({name:regex}), which rule paths do"
                        + " not take: use *, ** or {name}";
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

    /** Whether a pattern has a {@code {name:regex}} variable: a colon inside a variable's outermost braces. */
    private static boolean hasRegex(String path) {
        int depth = 0;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && depth > 0) {
                depth--;
            } else if (c == ':' && depth > 0) {
                return true;
            }
        }
        return false;
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
     * Whether a request of {@code method} to a path read as {@code readings} ({@link #readings}; null when this match
     * has no paths) is one of this match's.
     */
    public boolean matches(String method, List<PathContainer> readings) {
        if (!methods.isEmpty() && !methods.contains(method) && !methods.contains(method.toUpperCase(Locale.ROOT))) {
            return false;
        }
        if (paths.isEmpty()) {
            return true;
        }
        for (PathPattern pattern : paths) {
            for (PathContainer reading : readings) {
                if (pattern.matches(reading)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The request's path as rules match it (see the class comment): one reading, or two when a segment holds an
     * encoded slash or backslash. Computed once per request, for all the rules of its route.
     *
     * @throws RefusedPathException when the path has a dot segment
     */
    public static List<PathContainer> readings(RequestPath path) {
        List<String> whole = new ArrayList<>();
        List<String> split = null; // the reading with encoded separators as separators, once there is one
        for (PathContainer.Element element : path.pathWithinApplication().elements()) {
            if (element instanceof PathContainer.PathSegment segment) {
                String value = segment.valueToMatch();
                if (value.indexOf('/') < 0 && value.indexOf('\\') < 0) {
                    refuseDotSegment(value);
                    add(whole, value);
                    add(split, value);
                    continue;
                }
                if (split == null) {
                    split = new ArrayList<>(whole);
                }
                for (String piece : value.split("[/\\\\]")) {
                    refuseDotSegment(piece);
                    add(split, piece);
                }
                add(whole, value);
            }
        }
        return split == null ? List.of(parse(whole)) : List.of(parse(whole), parse(split));
    }

    private static void refuseDotSegment(String segment) {
        if (segment.equals(".") || segment.equals("..")) {
            throw new RefusedPathException();
        }
    }

    private static void add(List<String> segments, String segment) {
        if (segments != null && !segment.isEmpty()) {
            segments.add(segment);
        }
    }

    /** Segments encoded again, so that parsing decodes each once (and an encoded slash stays inside its segment). */
    private static PathContainer parse(List<String> segments) {
        StringBuilder path = new StringBuilder();
        for (String segment : segments) {
            path.append('/').append(UriUtils.encodePathSegment(segment, StandardCharsets.UTF_8));
        }
        return PathContainer.parsePath(path.isEmpty() ? "/" : path.toString());
    }
}
