package io.limitguard.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A real Redis Sentinel set-up for a test: one master, one replica and one to three Sentinels watching them,
 * each Debian's {@code redis-server} (Sentinel is {@code redis-server <config> --sentinel}; Debian's
 * {@code redis-server} package ships no separate {@code redis-sentinel} binary) as a child process on a free port
 * (see {@link ProcessRedis}). {@link #start()} returns once the replica has synced and every Sentinel knows the
 * replica and the other Sentinels, so a failover can happen. The Sentinels declare a silent master down after
 * {@value #DOWN_AFTER_MS} ms: a killed master is replaced within a few seconds. A test can also have them fail over
 * a master that runs, which then becomes the new master's replica.
 *
 * <pre>{@code
 * static RedisSentinelFixture sentinel = RedisSentinelFixture.start();
 * ... sentinel.uri() ... sentinel.killMaster(); int master = sentinel.awaitFailover(); ...
 * ... sentinel.failover(); master = sentinel.awaitFailover(); ...
 * }</pre>
 *
 * <p>Processes only, also where a Docker engine answers: Sentinel hands clients the master's address as the
 * master announces it (its own IP and port), so servers in containers would need announce settings and port
 * mappings, which this machine (no Docker engine) cannot test. Needs {@code redis-server} and {@code redis-cli}
 * (Debian's {@code redis-server} and {@code redis-tools} packages).
 */
public final class RedisSentinelFixture implements AutoCloseable {

    /** The name the Sentinels know the master by: the {@code #mymaster} of {@link #uri()}. */
    public static final String MASTER_NAME = "mymaster";
    /** How long a master may stay silent before a Sentinel thinks it is down: small, so a failover takes seconds. */
    static final int DOWN_AFTER_MS = 1000;
    /** Also the pause before a Sentinel retries a failover that failed (twice this): small for the same reason. */
    static final int FAILOVER_TIMEOUT_MS = 2000;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /** The master and the replica by port, dead ones included. */
    private final Map<Integer, ProcessRedis> servers = new LinkedHashMap<>();
    private final List<ProcessRedis> sentinels = new ArrayList<>();
    /** The master before the last {@link #killMaster()} or {@link #failover()}: the one to be replaced. */
    private volatile int former = -1;

    private RedisSentinelFixture() {
    }

    /** Three Sentinels with a quorum of two, as a production set-up has at least. */
    public static RedisSentinelFixture start() {
        return start(3);
    }

    /** {@code sentinelCount} (1 to 3) Sentinels; a majority of them must agree that the master is down. */
    public static RedisSentinelFixture start(int sentinelCount) {
        if (sentinelCount < 1 || sentinelCount > 3) {
            throw new IllegalArgumentException("1 to 3 sentinels, not " + sentinelCount);
        }
        RedisSentinelFixture fixture = new RedisSentinelFixture();
        try {
            // the master would wait 5 s for more replicas before it sends the first one its data
            ProcessRedis master = ProcessRedis.start("--repl-diskless-sync-delay", "0");
            fixture.servers.put(master.port(), master);
            ProcessRedis replica = ProcessRedis.start("--repl-diskless-sync-delay", "0",
                    "--replicaof", "127.0.0.1", Integer.toString(master.port()));
            fixture.servers.put(replica.port(), replica);
            // synced before the Sentinels start: their first INFO of the master then lists the replica at once
            Fixtures.await("replica " + replica.port() + " synced", READY_TIMEOUT,
                    () -> fixture.cli(replica.port(), "info", "replication").contains("master_link_status:up"));
            String config = String.join("\n",
                    "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " " + (sentinelCount / 2 + 1),
                    "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MS,
                    "sentinel failover-timeout " + MASTER_NAME + " " + FAILOVER_TIMEOUT_MS, "");
            for (int i = 0; i < sentinelCount; i++) {
                fixture.sentinels.add(ProcessRedis.startWithConfig(config, "--sentinel"));
            }
            fixture.awaitReady(replica.port());
            return fixture;
        } catch (RuntimeException e) {
            fixture.close();
            throw e;
        }
    }

    /** {@code redis-sentinel://127.0.0.1:<port>,...#mymaster}: every Sentinel, dead ones included, as a client lists them. */
    public String uri() {
        return sentinels.stream().map(s -> "127.0.0.1:" + s.port())
                .collect(Collectors.joining(",", "redis-sentinel://", "#" + MASTER_NAME));
    }

    public List<Integer> sentinelPorts() {
        return sentinels.stream().map(ProcessRedis::port).toList();
    }

    /** The master's port as the first live Sentinel names it ({@code SENTINEL GET-MASTER-ADDR-BY-NAME}). */
    public int masterPort() {
        return masterPortSeenBy(liveSentinels().get(0));
    }

    /** The port of the server that is not the master now (the replica, or the killed old master after a failover). */
    public int otherPort() {
        int master = masterPort();
        return servers.keySet().stream().filter(port -> port != master).findFirst().orElseThrow();
    }

    /** SIGKILLs the master; returns its port. {@link #awaitFailover()} waits for its replica to take over. */
    public int killMaster() {
        former = masterPort();
        servers.get(former).kill();
        return former;
    }

    /**
     * Asks a Sentinel to fail over a master that runs ({@code SENTINEL FAILOVER}, as for maintenance): the replica
     * is promoted, and the Sentinels turn the old master into its replica and close the old master's client
     * connections. Returns the old master's port; {@link #awaitFailover()} waits for the change.
     */
    public int failover() {
        former = masterPort();
        cli(liveSentinels().get(0).port(), "sentinel", "failover", MASTER_NAME);
        return former;
    }

    /**
     * Waits until every live Sentinel names the same live server, other than the master before the last
     * {@link #killMaster()} or {@link #failover()}, as the master, and that server says it is one; and, if that old
     * master still runs, until it replicates from the new one and every Sentinel sees it as a replica (so another
     * failover can follow). Returns the new master's port.
     */
    public int awaitFailover() {
        Fixtures.await("a new live master named by every sentinel", READY_TIMEOUT, () -> {
            List<Integer> named = liveSentinels().stream().map(this::masterPortSeenBy).distinct().toList();
            return named.size() == 1 && named.get(0) != former && servers.get(named.get(0)).alive()
                    && cli(named.get(0), "role").lines().findFirst().orElse("").equals("master");
        });
        if (servers.get(former).alive()) {
            Fixtures.await("the old master " + former + " replicating from the new one", READY_TIMEOUT,
                    () -> cli(former, "info", "replication").contains("master_link_status:up")
                            && liveSentinels().stream().allMatch(s -> knowsReplica(s.port(), former)));
        }
        return masterPort();
    }

    /** {@code redis-cli -p <port> <args...>}: its standard output; for the servers and the Sentinels alike. */
    public String cli(int port, String... args) {
        return RedisCli.run(port, args);
    }

    private void awaitReady(int replicaPort) {
        int count = sentinels.size();
        Fixtures.await("every sentinel knows the replica and the other sentinels", READY_TIMEOUT,
                () -> sentinels.stream().allMatch(s -> knowsReplica(s.port(), replicaPort)
                        && cli(s.port(), "sentinel", "ckquorum", MASTER_NAME).startsWith("OK " + count + " usable")));
    }

    /** The Sentinel lists the replica and is connected to it (its {@code flags} are just {@code slave}). */
    private boolean knowsReplica(int sentinelPort, int replicaPort) {
        // one flat list of field, value, field, value... for each replica, the replicas one after the other
        List<String> fields = cli(sentinelPort, "sentinel", "replicas", MASTER_NAME).lines().toList();
        String name = null;
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            if (fields.get(i).equals("name")) {
                name = fields.get(i + 1);
            } else if (fields.get(i).equals("flags") && ("127.0.0.1:" + replicaPort).equals(name)) {
                return fields.get(i + 1).equals("slave");
            }
        }
        return false;
    }

    private int masterPortSeenBy(ProcessRedis sentinel) {
        List<String> address = cli(sentinel.port(), "sentinel", "get-master-addr-by-name", MASTER_NAME).lines().toList();
        return Integer.parseInt(address.get(1));
    }

    private List<ProcessRedis> liveSentinels() {
        return sentinels.stream().filter(ProcessRedis::alive).toList();
    }

    @Override
    public void close() {
        sentinels.forEach(ProcessRedis::close);
        servers.values().forEach(ProcessRedis::close);
    }
}
