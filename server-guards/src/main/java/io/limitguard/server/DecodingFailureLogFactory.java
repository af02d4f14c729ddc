package io.limitguard.server;

import io.netty.handler.codec.DecoderResult;
import reactor.netty.http.logging.AbstractHttpMessageLogFactory;
import reactor.netty.http.logging.HttpMessageArgProvider;
import reactor.netty.http.logging.HttpMessageType;

/**
 * How Reactor Netty writes a request it could not decode, in the one WARN line it logs before answering 400, 414 or
 * 431 ("Decoding failed: ..."): the message type, method, URI, protocol and the decoder's reason, on one line of at
 * most {@link #MAX_LENGTH} characters (for a piece of a body, such as a bad chunk size: its type and the
 * reason). Reactor Netty's own format adds one line per header (values hidden), so that
 * 8 KB of short header lines and one bad byte logged 1,203 lines per request: a client could flood the log.
 * Control characters are replaced, so that the client's bytes cannot start a line of their own.
 */
final class DecodingFailureLogFactory extends AbstractHttpMessageLogFactory {

    static final int MAX_LENGTH = 300;

    @Override
    public String common(HttpMessageArgProvider message) {
        String line;
        try {
            line = describe(message);
        } catch (RuntimeException e) {
            // a provider refuses what its type does not have (UnsupportedOperationException): an exception here would
            // cost the client its 400 (the connection is closed unanswered), so the type alone will do
            line = message.httpMessageType() + " (" + e + ")";
        }
        return printable(line.length() > MAX_LENGTH ? line.substring(0, MAX_LENGTH - 3) + "..." : line);
    }

    private static String describe(HttpMessageArgProvider message) {
        HttpMessageType type = message.httpMessageType();
        StringBuilder line = new StringBuilder(type.name());
        switch (type) {
            case REQUEST, FULL_REQUEST -> line.append(' ').append(message.method()).append(' ').append(message.uri())
                    .append(' ').append(message.protocol());
            case RESPONSE, FULL_RESPONSE -> line.append(' ').append(message.protocol()).append(' ')
                    .append(message.status());
            default -> { } // a piece of a body: nothing more to say than its type
        }
        DecoderResult result = message.decoderResult();
        return line.append(": ").append(result != null && result.cause() != null ? result.cause() : result).toString();
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return out.toString();
    }
}
