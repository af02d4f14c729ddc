package io.limitguard.gateway.testing;

import io.limitguard.testsupport.Closing;
import java.util.function.Function;

/**
 * The bed of a gateway test that needs one gateway: a real Redis of its own (with a connection to look into it), an
 * upstream, the gateway started with the test's routes and rules (Redis set by the bed), and an HTTP probe. Closing it
 * closes them all; so does a failed start, for what it had started.
 */
public record OneGateway(ConnectedRedis redis, Upstream upstream, GatewayInstance gateway, HttpProbe http)
        implements AutoCloseable {

    /**
     * @param rules        the routes (to the given upstream) and rules of the gateway
     * @param extraSources more configuration classes for the gateway's application context
     */
    public static OneGateway start(Function<Upstream, Rules> rules, Class<?>... extraSources) {
        ConnectedRedis redis = null;
        Upstream upstream = null;
        try {
            redis = ConnectedRedis.start();
            upstream = new Upstream();
            GatewayInstance gateway = GatewayInstance.start(rules.apply(upstream).redis(redis.uri()).properties(),
                    extraSources);
            return new OneGateway(redis, upstream, gateway, new HttpProbe());
        } catch (RuntimeException | Error e) {
            Closing.all(upstream, redis);
            throw e;
        }
    }

    @Override
    public void close() {
        Closing.all(http, gateway, upstream, redis);
    }
}
