package io.limitguard.gateway.keys;

import java.util.List;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** Finds the raw client key of a rule for a request; empty when the request has none. */
@FunctionalInterface
public interface KeyResolver {

    /**
     * What a {@code header:<Name>} key resolves to when the request carries the header more than once:
     * the request is refused (400), since the upstream may read another of the values (the last one, or
     * all of them joined with commas) than the one the limiter would charge. Compared by identity
     * ({@code ==}): no value a client sends is this instance.
     */
    String REPEATED = new String("(repeated)");

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
                    return new Header(spec.substring("header:".length()));
                }
                throw new IllegalArgumentException("unknown key '" + spec + "'");
        }
    }

    /**
     * {@code header:<Name>}: the header's value, as one key even if it has commas (one field line is one
     * value: RFC 9110 splits only list fields); {@link #REPEATED} when the request has the header more than once.
     */
    record Header(String name) implements KeyResolver {

        @Override
        public Mono<String> resolve(ServerWebExchange exchange, String routeId) {
            // get, not getFirst: the only way to see a second field line (on Netty one small list per call)
            List<String> values = exchange.getRequest().getHeaders().get(name);
            return values == null || values.isEmpty() ? Mono.empty()
                    : Mono.just(values.size() == 1 ? values.get(0) : REPEATED);
        }
    }
}
