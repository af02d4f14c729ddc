package io.limitguard.gateway.config;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * The drain period of a stopping gateway ({@code limitguard.server.shutdown-drain}): for that long after SIGTERM it
 * goes on serving, with readiness {@code REFUSING_TRAFFIC} (503) and {@code Connection: close} on every response
 * ({@link DrainingConnections}), and only then does Spring Boot's graceful shutdown close its ports.
 *
 * <p>Why: Reactor Netty's graceful shutdown waits for the requests in progress when it starts, but a kept-alive
 * connection that is idle at that moment goes on taking requests until the server stops and is then closed under
 * them; an audit lost about 20 requests per restart that way, within 0.9 s of SIGTERM, and readiness answered 503
 * for only 0.15-0.3 s before the port closed, too short for a load balancer to notice. During the drain, a load
 * balancer polling readiness stops sending new connections, and each kept-alive client is told to reconnect
 * (elsewhere) after its next answer.
 *
 * <p>It stops before {@link WebServerGracefulShutdownLifecycle} (higher phases stop first) and after nothing that
 * serves requests: the limiter, Redis and the decision publisher (closed after all phases) keep working, and requests
 * in flight when the drain ends complete in the graceful shutdown as before. The HTTPS port of tls-bootstrap stops in
 * the graceful-shutdown phase too, so it drains as well.
 */
public final class ShutdownDrain implements SmartLifecycle {

    /** Between Spring Boot's graceful shutdown of the web server and the default phase. */
    public static final int PHASE = WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 512;

    private static final Logger log = LoggerFactory.getLogger(ShutdownDrain.class);

    private final ApplicationContext context;
    private final Duration drain;
    private volatile boolean running;
    private volatile boolean draining;

    public ShutdownDrain(ApplicationContext context, Duration drain) {
        this.context = context;
        this.drain = drain;
    }

    /** True from the start of the drain until the context is started again; read for every response head. */
    public boolean draining() {
        return draining;
    }

    @Override
    public void start() {
        draining = false;
        running = true;
    }

    @Override
    public void stop() {
        stop(() -> { });
    }

    /**
     * Starts the drain and returns: Spring waits for the callback (at most
     * {@code spring.lifecycle.timeout-per-shutdown-phase}) without a thread of ours blocked in a sleep.
     */
    @Override
    public void stop(Runnable callback) {
        if (drain.isZero()) {
            running = false;
            callback.run();
            return;
        }
        // Spring Boot publishes this too when the context closes; again here so that the drain never runs with
        // readiness up (a context stopped without being closed)
        AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
        draining = true;
        log.info("Draining for {} (limitguard.server.shutdown-drain) before the graceful shutdown: readiness "
                + "REFUSING_TRAFFIC, every response with Connection: close", drain);
        CompletableFuture.delayedExecutor(drain.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            running = false;
            log.info("Drain over");
            callback.run();
        });
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
