package io.limitguard.tls;

import java.util.List;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.server.reactive.HttpHandler;

/**
 * A second Reactor Netty server serving the application's own {@link HttpHandler} over HTTPS, so the
 * service answers on its HTTP port (local use, health checks) and on an HTTPS port at the same time.
 */
public class AdditionalHttpsServer implements SmartLifecycle {

    private static final Log log = LogFactory.getLog(AdditionalHttpsServer.class);

    private final HttpHandler httpHandler;
    private final SslBundles sslBundles;
    private final TlsProperties properties;
    private final List<NettyServerCustomizer> customizers;
    private volatile WebServer server;

    public AdditionalHttpsServer(HttpHandler httpHandler, SslBundles sslBundles, TlsProperties properties,
                                 List<NettyServerCustomizer> customizers) {
        this.httpHandler = httpHandler;
        this.sslBundles = sslBundles;
        this.properties = properties;
        this.customizers = customizers;
    }

    @Override
    public void start() {
        NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory(properties.httpsPort());
        factory.setSsl(Ssl.forBundle(properties.bundle()));
        factory.setSslBundles(sslBundles);
        factory.setServerCustomizers(customizers);
        WebServer started = factory.getWebServer(httpHandler);
        started.start();
        server = started;
        log.info("HTTPS on port " + started.getPort() + " (SSL bundle '" + properties.bundle() + "')");
    }

    @Override
    public void stop() {
        WebServer running = server;
        if (running != null) {
            running.stop();
            server = null;
        }
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /**
     * The phase of Spring Boot's graceful shutdown of the main server: stopped with it, not before it (the default
     * phase stops first), so that whatever an application does to its ports before that phase, such as the
     * gateway's drain, applies to this port as well.
     */
    @Override
    public int getPhase() {
        return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE;
    }

    /** The bound port (useful with {@code https-port: 0}); -1 when not running. */
    public int getPort() {
        WebServer running = server;
        return running == null ? -1 : running.getPort();
    }
}
