package io.limitguard.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * One command, only a JDK: Redis, a Kafka broker (KRaft), the gateway, analytics and the dashboard as
 * child processes, the demo upstream in this JVM, optional demo traffic. Ctrl-C (SIGINT/SIGTERM) stops
 * them all and waits until they are gone. Everything that should survive a restart lives in the state
 * directory.
 */
public final class DevLauncher {

    static final String GATEWAY = "gateway-service";
    static final String ANALYTICS = "analytics-streams";
    static final String DASHBOARD = "dashboard-service";
    private static final Duration SERVICE_START_TIMEOUT = Duration.ofMinutes(5);

    private final LauncherOptions options;
    private final LauncherOptions.Ports ports;
    private final List<ChildProcess> infrastructure = new ArrayList<>(); // Redis, Kafka: stopped last
    private final List<ChildProcess> services = new ArrayList<>();       // stopped first
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private DemoUpstream upstream;
    private DemoTraffic traffic;
    private FileLock stateLock;

    DevLauncher(LauncherOptions options) {
        this.options = options;
        this.ports = options.ports();
    }

    public static void main(String[] args) {
        LauncherOptions options;
        try {
            options = LauncherOptions.parse(args);
        } catch (LauncherOptions.UsageException e) {
            (e.exitCode == 0 ? System.out : System.err).println(e.getMessage());
            System.exit(e.exitCode);
            return;
        }
        DevLauncher launcher = new DevLauncher(options);
        Runtime.getRuntime().addShutdownHook(new Thread(launcher::stop, "launcher-stop"));
        try {
            launcher.start();
        } catch (Probes.LaunchException | IllegalStateException | UncheckedIOException e) {
            System.err.println("[launcher] start-up failed: " + e.getMessage());
            System.exit(1); // the shutdown hook stops whatever did start
        }
        launcher.awaitStop();
    }

    void start() {
        ServiceJars jars = ServiceJars.locate(options.home());
        Path gatewayJar = jars.jar(GATEWAY);
        Path analyticsJar = jars.jar(ANALYTICS);
        Path dashboardJar = jars.jar(DASHBOARD);
        lockStateDir();
        checkPortsFree();
        log("state directory " + options.stateDir() + " (logs in " + logs() + ")");

        String redisUri = options.redisUri().orElseGet(() -> {
            LocalRedis.start(options.stateDir(), ports.redis(), redis -> track(infrastructure, redis));
            return "redis://127.0.0.1:" + ports.redis();
        });
        log("Redis " + RedisTarget.shown(redisUri));
        options.redisUri().filter(uri -> !uri.startsWith("rediss")).ifPresent(DevLauncher::warnUnlessRedisAnswers);
        log("starting Kafka (KRaft) on port " + ports.kafka());
        EmbeddedKafka.start(options.stateDir(), ports.kafka(), ports.kafkaController(),
                kafka -> track(infrastructure, kafka));
        upstream = DemoUpstream.start("127.0.0.1", ports.upstream());

        String bootstrap = "127.0.0.1:" + ports.kafka();
        log("starting gateway, analytics and dashboard (a minute or two on a small machine)");
        ChildProcess analytics = startService(ANALYTICS, analyticsJar, analyticsConfig(bootstrap), null);
        ChildProcess gateway = startService(GATEWAY, gatewayJar, gatewayConfig(redisUri, bootstrap),
                options.gatewayConfig().orElse(null));
        ChildProcess dashboard = startService(DASHBOARD, dashboardJar, dashboardConfig(bootstrap), null);
        Probes.await("gateway (" + gateway.log() + ")", SERVICE_START_TIMEOUT, gateway,
                () -> Probes.healthUp(ports.gateway()));
        Probes.await("analytics (" + analytics.log() + ")", SERVICE_START_TIMEOUT, analytics,
                () -> Probes.healthUp(ports.analytics()));
        Probes.await("dashboard (" + dashboard.log() + ")", SERVICE_START_TIMEOUT, dashboard,
                () -> Probes.healthUp(ports.dashboard()));
        Probes.await("gateway HTTPS port " + ports.gatewayHttps(), Duration.ofSeconds(30), gateway,
                () -> Probes.accepts(ports.gatewayHttps()));
        Probes.await("dashboard HTTPS port " + ports.dashboardHttps(), Duration.ofSeconds(30), dashboard,
                () -> Probes.accepts(ports.dashboardHttps()));
        watchForUnexpectedExits();

        if (options.demoTraffic()) {
            traffic = DemoTraffic.start(ports.gateway());
        }
        System.out.println(banner(redisUri, bootstrap));
    }

    private ChildProcess startService(String module, Path jar, Map<String, String> config, Path userConfig) {
        Path file = options.stateDir().resolve("config").resolve(module + ".properties");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "# Written by the LimitGuard dev launcher on every start; do not edit.\n"
                    + "# Your own settings: --gateway-config=FILE (gateway) or SPRING_* environment variables.\n"
                    + config.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("\n", "", "\n")));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
        String locations = "file:" + file + (userConfig == null ? "" : ",file:" + userConfig.toAbsolutePath());
        ChildProcess process = ChildProcess.start(module, JavaCommand.jar(jar, List.of(),
                List.of("--spring.config.additional-location=" + locations)), logs().resolve(module + ".log"));
        return track(services, process);
    }

    /**
     * Makes a child known to {@link #stop()} from the moment it exists, not once it is ready: a Ctrl-C while
     * Kafka starts (it takes a while to answer) must not leave it running. After a stop it is stopped at once.
     */
    private synchronized ChildProcess track(List<ChildProcess> group, ChildProcess child) {
        group.add(child);
        if (stopping) {
            child.terminate();
        }
        return child;
    }

    Map<String, String> gatewayConfig(String redisUri, String bootstrap) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("server.port", Integer.toString(ports.gateway()));
        tls(c, ports.gatewayHttps());
        c.put("limitguard.redis.uri", redisUri);
        c.put("limitguard.kafka.enabled", "true");
        c.put("spring.kafka.bootstrap-servers", bootstrap);
        String route = "spring.cloud.gateway.server.webflux.routes[0].";
        c.put(route + "id", "demo");
        c.put(route + "uri", "http://127.0.0.1:" + ports.upstream());
        c.put(route + "predicates[0]", "Path=/demo/**");
        c.put(route + "filters[0]", "StripPrefix=1");
        return c;
    }

    Map<String, String> analyticsConfig(String bootstrap) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("server.port", Integer.toString(ports.analytics()));
        c.put("spring.kafka.bootstrap-servers", bootstrap);
        c.put("limitguard.analytics.state-dir", options.stateDir().resolve("streams").toString());
        c.put("limitguard.analytics.application-server", "localhost:" + ports.analytics());
        return c;
    }

    Map<String, String> dashboardConfig(String bootstrap) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("server.port", Integer.toString(ports.dashboard()));
        tls(c, ports.dashboardHttps());
        c.put("spring.kafka.bootstrap-servers", bootstrap);
        c.put("limitguard.analytics.url", "http://127.0.0.1:" + ports.analytics());
        c.put("limitguard.dashboard.rsocket-tcp-port", Integer.toString(ports.dashboardRsocketTcp()));
        return c;
    }

    private void tls(Map<String, String> c, int httpsPort) {
        c.put("limitguard.tls.https-port", Integer.toString(httpsPort));
        c.put("limitguard.tls.self-signed.keystore", keystore().toString());
    }

    Path keystore() {
        return options.stateDir().resolve("tls").resolve("limitguard-self-signed.p12");
    }

    private Path logs() {
        return options.stateDir().resolve("logs");
    }

    /** Two launchers on one state directory would corrupt the Kafka log: refuse with a clear message. */
    private void lockStateDir() {
        try {
            Files.createDirectories(options.stateDir());
            FileChannel channel = FileChannel.open(options.stateDir().resolve("launcher.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            stateLock = channel.tryLock();
            if (stateLock == null) {
                channel.close();
                throw new Probes.LaunchException("Another launcher is using " + options.stateDir()
                        + ". Stop it, or pass --state-dir=<other dir> and --port-offset=<N>.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot use the state directory " + options.stateDir(), e);
        }
    }

    private void checkPortsFree() {
        Map<String, Integer> wanted = new LinkedHashMap<>();
        wanted.put("gateway", ports.gateway());
        wanted.put("gateway HTTPS", ports.gatewayHttps());
        wanted.put("dashboard", ports.dashboard());
        wanted.put("dashboard HTTPS", ports.dashboardHttps());
        wanted.put("dashboard RSocket TCP", ports.dashboardRsocketTcp());
        wanted.put("analytics", ports.analytics());
        wanted.put("demo upstream", ports.upstream());
        wanted.put("Kafka", ports.kafka());
        wanted.put("Kafka controller", ports.kafkaController());
        if (options.redisUri().isEmpty()) {
            wanted.put("Redis", ports.redis());
        }
        List<String> busy = wanted.entrySet().stream().filter(e -> Probes.accepts(e.getValue()))
                .map(e -> e.getKey() + " " + e.getValue()).toList();
        if (!busy.isEmpty()) {
            throw new Probes.LaunchException("Ports in use: " + String.join(", ", busy)
                    + ". Stop what uses them or pass --port-offset=<N> (e.g. 10000).");
        }
    }

    /** A service that dies after start-up takes the stack down with a pointer to its log. */
    private void watchForUnexpectedExits() {
        List<ChildProcess> all = new ArrayList<>(infrastructure);
        all.addAll(services);
        for (ChildProcess child : all) {
            child.process().onExit().thenAccept(p -> {
                if (!stopping) {
                    System.err.println("[launcher] " + child.name() + " exited unexpectedly (code " + p.exitValue()
                            + "); stopping everything. Last lines of " + child.log() + ":\n" + child.tail(30));
                    new Thread(() -> System.exit(1), "launcher-exit").start();
                }
            });
        }
    }

    String banner(String redisUri, String bootstrap) {
        return """

                LimitGuard is running. Ctrl-C stops everything.
                  gateway    http://localhost:%d/demo/hello    https://localhost:%d/demo/hello
                  dashboard  http://localhost:%d/              https://localhost:%d/
                  RSocket    tcp://localhost:%d                ws://localhost:%d/rsocket  (route counts.stream)
                  analytics  http://localhost:%d/api/v1/block-rate?route=demo&from=<instant>&to=<instant>&step=1m
                  upstream   http://localhost:%d/   Redis %s   Kafka %s
                  HTTPS uses a self-signed certificate: %s (password limitguard)
                  state      %s   logs %s
                  try        curl -i -H 'X-API-Key: alice' http://localhost:%d/demo/hello%s
                """.formatted(ports.gateway(), ports.gatewayHttps(), ports.dashboard(), ports.dashboardHttps(),
                ports.dashboardRsocketTcp(), ports.dashboard(), ports.analytics(), ports.upstream(),
                RedisTarget.shown(redisUri),
                bootstrap, keystore(), options.stateDir(), logs(),
                ports.gateway(), options.demoTraffic() ? "\n  demo traffic: alice, bob, carol... (allowed, 0.25 req/s each), mallory (50 req/s, blocked)" : "");
    }

    void awaitStop() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops everything: services first (they flush to Kafka), then Kafka and Redis; waits for each. */
    synchronized void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        log("stopping");
        if (traffic != null) {
            traffic.close();
        }
        services.forEach(ChildProcess::terminate);
        // more than a service's own shutdown limits (Kafka Streams' close and each Spring shutdown phase: 30 s),
        // so a slow but orderly stop is not cut short by a SIGKILL
        services.forEach(p -> p.awaitExit(45));
        if (upstream != null) {
            upstream.close();
        }
        for (int i = infrastructure.size() - 1; i >= 0; i--) {
            infrastructure.get(i).terminate();
            infrastructure.get(i).awaitExit(30);
        }
        try {
            if (stateLock != null) {
                stateLock.channel().close();
            }
        } catch (IOException ignored) {
            // released with the process anyway
        }
        log("stopped");
        stopped.countDown();
    }

    /**
     * A Redis that does not answer is no start-up error for the gateway (it serves in each rule's failure
     * mode, the demo rule's is open), so a mistyped --redis-uri would give a stack that limits nothing.
     */
    private static void warnUnlessRedisAnswers(String uri) {
        RedisTarget target;
        try {
            target = RedisTarget.of(uri);
        } catch (IllegalArgumentException e) {
            return; // the gateway refuses it, naming limitguard.redis.uri
        }
        // a Redis client dials the Sentinels in turn until one answers: one is enough
        boolean answers = target.addresses().stream().anyMatch(a -> a.host() != null
                && Probes.accepts(a.host(), a.port(), Duration.ofSeconds(2)));
        if (!answers) {
            System.err.println("[launcher] WARNING: nothing answers at " + RedisTarget.shown(uri) + ". The gateway starts anyway and "
                    + "fails open: every request is allowed until " + (target.sentinel() ? "a Sentinel" : "that Redis")
                    + " answers.");
        }
    }

    private static void log(String message) {
        System.out.println("[launcher] " + message);
    }
}
