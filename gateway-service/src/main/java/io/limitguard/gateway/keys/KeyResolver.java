package io.limitguard.gateway.keys;

import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** Finds the raw client key of a rule for a request; empty when the request has none. */
@FunctionalInterface
public interface KeyResolver {

    Mono<String> resolve(ServerWebExchange exchange, String routeId);

    /** The resolver for a rule's {@code key} setting ({@code ip}, {@code header:<Name>}, {@code principal}, {@code route}, {@code global}). */
    static KeyResolver of(String spec, ClientAddressResolver clientAddress) {
        switch (spec) {
            case "ip":
                return (exchange, routeId) -> Mono.justOrEmpty(clientAddress.resolve(exchange.getRequest()));
            case "principal":
                return (exchange, routeId) -> exchange.getPrincipal().mapNotNull(p -> p.getName());
            case "route":
                return (exchange, routeId) -> Mono.just(routeId);
            case "global":
                Mono<String> global = Mono.just("global");
                return (exchange, routeId) -> global;
            default:
                if (spec.startsWith("header:")) {
                    String name = spec.substring("header:".length());
                    return (exchange, routeId) -> Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst(name));
                }
                throw new IllegalArgumentException("unknown key '" + spec + "'");
        }
    }
}
