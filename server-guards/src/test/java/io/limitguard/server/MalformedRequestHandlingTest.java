package io.limitguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderResult;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.netty.http.logging.HttpMessageArgProvider;
import reactor.netty.http.logging.HttpMessageType;
import reactor.test.StepVerifier;

/**
 * The two pieces that keep a malformed request to one log line: the format of Reactor Netty's "Decoding failed"
 * line, and the handler that ends quietly only what Reactor Netty already answered.
 */
class MalformedRequestHandlingTest {

    @Test
    void aDecodingFailureIsOneLineWithItsReasonAndNoClientControlCharacters() {
        String line = new DecodingFailureLogFactory().warn(request("/x\r\nFAKE LOG LINE",
                DecoderResult.failure(new IllegalArgumentException("bad \u0001 byte"))));

        assertThat(line).isEqualTo("REQUEST GET /x??FAKE LOG LINE HTTP/1.1: java.lang.IllegalArgumentException: bad ? byte");
    }

    /** A bad chunk size: a piece of a body has no method or URI (its provider throws if asked). */
    @Test
    void aBadChunkIsItsTypeAndReason() {
        HttpMessageArgProvider lastContent = () -> HttpMessageType.LAST_CONTENT;

        assertThat(new DecodingFailureLogFactory().warn(lastContent))
                .startsWith("LAST_CONTENT (java.lang.UnsupportedOperationException");
    }

    @Test
    void aLongUriIsCut() {
        String line = new DecodingFailureLogFactory().warn(request("/" + "a".repeat(5000),
                DecoderResult.failure(new IllegalArgumentException("too long"))));

        assertThat(line).hasSize(DecodingFailureLogFactory.MAX_LENGTH).endsWith("...");
    }

    /** Every other error goes on, to be handled and logged (Reactor Netty's own answer: MalformedRequestLogTest). */
    @Test
    void anyOtherErrorGoesOn() {
        assertGoesOn(MockServerWebExchange.from(MockServerHttpRequest.post("/demo/x")), new NullPointerException());
        assertGoesOn(MockServerWebExchange.from(MockServerHttpRequest.post("/demo/x")),
                new IllegalStateException("Only one connection receive subscriber allowed."));
    }

    private static void assertGoesOn(MockServerWebExchange exchange, RuntimeException error) {
        StepVerifier.create(new AnsweredByReactorNettyHandler().handle(exchange, error)).verifyErrorMatches(e -> e == error);
    }

    private static HttpMessageArgProvider request(String uri, DecoderResult result) {
        return new HttpMessageArgProvider() {
            @Override
            public HttpMessageType httpMessageType() {
                return HttpMessageType.REQUEST;
            }

            @Override
            public String method() {
                return "GET";
            }

            @Override
            public String uri() {
                return uri;
            }

            @Override
            public String protocol() {
                return "HTTP/1.1";
            }

            @Override
            public DecoderResult decoderResult() {
                return result;
            }
        };
    }
}
