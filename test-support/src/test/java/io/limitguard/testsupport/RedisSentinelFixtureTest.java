package io.limitguard.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedisSentinelFixtureTest {

    @Test
    void aKilledMasterIsReplacedByItsReplicaWithTheDataItHad() {
        long start = System.nanoTime();
        try (RedisSentinelFixture sentinel = RedisSentinelFixture.start()) {
            System.out.printf("SENTINEL started in %d ms%n", (System.nanoTime() - start) / 1_000_000);
            assertThat(sentinel.sentinelPorts()).hasSize(3).doesNotHaveDuplicates();
            assertThat(sentinel.uri()).matches("redis-sentinel://127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+#mymaster");
            int master = sentinel.masterPort();
            int replica = sentinel.otherPort();
            assertThat(sentinel.cli(master, "role").lines().findFirst()).contains("master");
            assertThat(sentinel.cli(master, "set", "k", "v")).isEqualTo("OK");
            assertThat(sentinel.cli(master, "wait", "1", "5000")).isEqualTo("1");

            long killed = System.nanoTime();
            assertThat(sentinel.killMaster()).isEqualTo(master);
            int promoted = sentinel.awaitFailover();
            System.out.printf("SENTINEL failover took %d ms%n", (System.nanoTime() - killed) / 1_000_000);

            assertThat(promoted).isEqualTo(replica);
            assertThat(sentinel.masterPort()).isEqualTo(replica);
            assertThat(sentinel.cli(promoted, "get", "k")).isEqualTo("v");
            assertThat(sentinel.otherPort()).isEqualTo(master);
        }
    }

    @Test
    void aFailoverOfALiveMasterMakesItTheNewMastersReplica() {
        try (RedisSentinelFixture sentinel = RedisSentinelFixture.start(1)) {
            int master = sentinel.masterPort();
            int replica = sentinel.otherPort();

            assertThat(sentinel.failover()).isEqualTo(master);
            assertThat(sentinel.awaitFailover()).isEqualTo(replica);
            assertThat(sentinel.cli(master, "role").lines().toList()).startsWith("slave", "127.0.0.1",
                    Integer.toString(replica));
            assertThat(sentinel.cli(master, "info", "replication")).contains("master_link_status:up");
        }
    }

    @Test
    void oneSentinelAloneIsAQuorum() {
        long start = System.nanoTime();
        try (RedisSentinelFixture sentinel = RedisSentinelFixture.start(1)) {
            System.out.printf("SENTINEL started in %d ms%n", (System.nanoTime() - start) / 1_000_000);
            assertThat(sentinel.uri()).matches("redis-sentinel://127\\.0\\.0\\.1:\\d+#mymaster");
            int replica = sentinel.otherPort();
            long killed = System.nanoTime();
            sentinel.killMaster();
            assertThat(sentinel.awaitFailover()).isEqualTo(replica);
            System.out.printf("SENTINEL failover took %d ms%n", (System.nanoTime() - killed) / 1_000_000);
        }
    }
}
