package io.limitguard.gateway.rules;

/**
 * A request path that path rules cannot be matched against safely (a dot segment, see {@link RequestMatch}): the
 * request is refused with 400 instead of being forwarded with rules that might not be its own. Thrown once per
 * crafted request, so without a stack trace.
 */
public final class RefusedPathException extends RuntimeException {

    public RefusedPathException() {
        super("The request path has a dot segment (. or .., in any spelling), which a route with path rules does not"
                + " take.", null, false, false);
    }
}
