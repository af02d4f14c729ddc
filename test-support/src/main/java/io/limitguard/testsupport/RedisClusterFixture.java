package io.limitguard.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster for a test: 3 masters and 3 replicas, each Debian's {@code redis-server
 * --cluster-enabled yes} as a child process on a free port (see {@link ProcessRedis}), joined with
 * {@code redis-cli --cluster create ... --cluster-replicas 1}. {@link #start()} returns once every node
 * says {@code cluster_state:ok} and every replica's link to its master is up. A test can kill a master
 * (by slot or by index) and wait until its replica took over.
 *
 * <pre>{@code
 * static RedisClusterFixture cluster = RedisClusterFixture.start();
 * ... cluster.seedUris() ... int port = cluster.killMasterOfSlot(slot); cluster.awaitPromoted(port); ...
 * }</pre>
 *
 * <p>Processes only, also where a Docker engine answers: cluster nodes announce their own addresses to
 * clients (MOVED, {@code CLUSTER SLOTS}), so nodes in a container would need per-node announce settings
 * and port mappings, which this machine (no Docker engine) cannot test. Needs {@code redis-server} and
 * {@code redis-cli} (Debian's {@code redis-server} and {@code redis-tools} packages).
 */
public final class RedisClusterFixture implements AutoCloseable {

    /** How long nodes wait before declaring a silent peer failed: small, so a failover takes seconds. */
    static final int NODE_TIMEOUT_MS = 1000;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /** Every node by port, dead ones included, in start order (the first three start as masters). */
    private final Map<Integer, ProcessRedis> nodes = new LinkedHashMap<>();

    private RedisClusterFixture() {
    }

    public static RedisClusterFixture start() {
        RedisClusterFixture cluster = new RedisClusterFixture();
        try {
            for (int i = 0; i < 6; i++) {
                ProcessRedis node = ProcessRedis.start("--cluster-enabled", "yes",
                        // the bus port is the client port + 10000 unless set: a free port of its own, so it
                        // cannot collide with a port another process of the run holds (seen once in CI)
                        "--cluster-port", Integer.toString(Fixtures.freePort()),
                        "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MS),
                        // a replica always stands in for a dead master, however long since it last heard from it
                        "--cluster-replica-validity-factor", "0");
                cluster.nodes.put(node.port(), node);
            }
            List<String> create = new ArrayList<>(List.of("--cluster", "create"));
            cluster.nodes.keySet().forEach(port -> create.add("127.0.0.1:" + port));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            cluster.cli(cluster.nodes.keySet().iterator().next(), create.toArray(String[]::new));
            cluster.awaitHealthy();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** Seed URIs of every node that runs ({@code redis://127.0.0.1:<port>}). */
    public List<String> seedUris() {
        return livePorts().stream().map(port -> "redis://127.0.0.1:" + port).toList();
    }

    /** Ports of the current masters, in the order of the slots they hold (the master of slot 0 first). */
    public List<Integer> masterPorts() {
        return topology().stream().filter(Node::master).sorted((a, b) -> Integer.compare(a.firstSlot(), b.firstSlot()))
                .map(Node::port).toList();
    }

    /** The port of the master serving {@code slot} right now (compute slots with Lettuce's {@code SlotHash}). */
    public int masterOfSlot(int slot) {
        return topology().stream().filter(node -> node.master() && node.serves(slot)).map(Node::port).findFirst()
                .orElseThrow(() -> new IllegalStateException("no master serves slot " + slot + ": " + topology()));
    }

    /** The port of a replica of the master on {@code masterPort}. */
    public int replicaOf(int masterPort) {
        String masterId = topology().stream().filter(n -> n.port() == masterPort).map(Node::id).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node on port " + masterPort));
        return topology().stream().filter(n -> masterId.equals(n.masterId()) && !n.failed()).map(Node::port).findFirst()
                .orElseThrow(() -> new IllegalStateException("master " + masterPort + " has no live replica"));
    }

    /**
     * SIGKILLs the master serving {@code slot}. Returns the port of its replica, which the cluster promotes
     * after about twice the node timeout; {@link #awaitPromoted(int)} waits for that.
     */
    public int killMasterOfSlot(int slot) {
        return killMaster(masterOfSlot(slot));
    }

    /** SIGKILLs the {@code index}-th master of {@link #masterPorts()}; returns the port of its replica. */
    public int killMasterByIndex(int index) {
        return killMaster(masterPorts().get(index));
    }

    private int killMaster(int port) {
        int replica = replicaOf(port);
        nodes.get(port).kill();
        return replica;
    }

    /**
     * Waits until the node on {@code replicaPort} is a master serving slots and every live node says
     * {@code cluster_state:ok} again (the dead master is marked failed everywhere).
     */
    public void awaitPromoted(int replicaPort) {
        Fixtures.await("replica " + replicaPort + " promoted", READY_TIMEOUT, () -> {
            String role = cli(replicaPort, "role").lines().findFirst().orElse("");
            return role.equals("master") && allLive(info -> info.contains("cluster_state:ok"));
        });
    }

    /** {@code redis-cli -p <port> <args...>}: its standard output (e.g. {@code cli(port, "script", "exists", sha)}). */
    public String cli(int port, String... args) {
        return RedisCli.run(port, args);
    }

    private void awaitHealthy() {
        Fixtures.await("cluster_state:ok on all nodes", READY_TIMEOUT,
                () -> allLive(info -> info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:6")));
        // a replica whose link is down would not fail over: wait until every replica has synced
        Fixtures.await("every replica synced with its master", READY_TIMEOUT, () -> topology().stream()
                .filter(node -> !node.master())
                .allMatch(node -> cli(node.port(), "info", "replication").contains("master_link_status:up")));
    }

    private boolean allLive(java.util.function.Predicate<String> clusterInfo) {
        return livePorts().stream().allMatch(port -> clusterInfo.test(cli(port, "cluster", "info")));
    }

    private List<Integer> livePorts() {
        return nodes.entrySet().stream().filter(e -> e.getValue().alive()).map(Map.Entry::getKey).toList();
    }

    /** {@code CLUSTER NODES} as one live node sees it. */
    private List<Node> topology() {
        int from = livePorts().get(0);
        return cli(from, "cluster", "nodes").lines().filter(line -> !line.isBlank()).map(Node::parse).toList();
    }

    @Override
    public void close() {
        nodes.values().forEach(ProcessRedis::close);
    }

    /** One line of {@code CLUSTER NODES}: id, address, flags, master id, ..., slot ranges. */
    private record Node(String id, int port, boolean master, boolean failed, String masterId, List<int[]> slots) {

        static Node parse(String line) {
            String[] f = line.split(" ");
            String address = f[1].substring(0, f[1].indexOf('@'));
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            List<String> flags = List.of(f[2].split(","));
            List<int[]> slots = new ArrayList<>();
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue; // a slot being migrated or imported
                }
                String[] range = f[i].split("-");
                int low = Integer.parseInt(range[0]);
                slots.add(new int[] {low, range.length > 1 ? Integer.parseInt(range[1]) : low});
            }
            boolean failed = flags.contains("fail") || flags.contains("fail?");
            return new Node(f[0], port, flags.contains("master") && !failed, failed, f[3], slots);
        }

        boolean serves(int slot) {
            return slots.stream().anyMatch(range -> range[0] <= slot && slot <= range[1]);
        }

        int firstSlot() {
            return slots.stream().mapToInt(range -> range[0]).min().orElse(Integer.MAX_VALUE);
        }

        @Override
        public String toString() {
            return port + (master ? " master " : failed ? " failed " : " replica ")
                    + slots.stream().map(r -> r[0] + "-" + r[1]).collect(Collectors.joining(","));
        }
    }
}
