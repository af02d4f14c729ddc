package io.limitguard.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Ends quietly a request that Reactor Netty has already answered on its own, behind Spring's back: its 400 for a
 * request body it could not decode (a chunked body with a bad chunk size, {@code zz\r\n}), which it logs in one
 * WARN line ("Decoding failed: ..."). The application goes on with the request regardless (the gateway's route
 * proxies it), and when its answer comes Spring cannot send its status ("Status and headers already sent"): without this, Spring's
 * {@code HttpWebHandlerAdapter} logged that as a "500 Server Error" with a 50-line stack trace per request, which a
 * client could use to flood the log.
 *
 * <p>Only that error is taken: Reactor Netty's refusal to send a status, when its response has indeed been sent.
 * Spring never asks for a status twice (its response commits once), so the headers were sent by someone else:
 * Reactor Netty's own answer. Any other error goes on to the next handler and is logged as before; if a later
 * Reactor Netty words its refusal differently, the stack trace comes back (MalformedRequestLogTest fails), nothing
 * is hidden.
 */
final class AnsweredByReactorNettyHandler implements WebExceptionHandler, Ordered {

    /** Before every other handler (the gateway's upstream errors: -2, Spring Boot's: -1). */
    static final int ORDER = -3;

    /** Reactor Netty's refusal to send a second status ({@code HttpServerOperations.status}, 1.3.8). */
    static final String ALREADY_SENT = "Status and headers already sent";

    private static final Logger log = LoggerFactory.getLogger(AnsweredByReactorNettyHandler.class);

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        if (error instanceof IllegalStateException && ALREADY_SENT.equals(error.getMessage())
                && ServerHttpResponseDecorator.getNativeResponse(exchange.getResponse())
                        instanceof HttpServerResponse netty && netty.hasSentHeaders()) {
            log.debug("{}{} {}: already answered by Reactor Netty (a request it could not decode), {}",
                    exchange.getLogPrefix(), exchange.getRequest().getMethod(), exchange.getRequest().getPath().value(),
                    error.toString());
            return Mono.empty();
        }
        return Mono.error(error);
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
