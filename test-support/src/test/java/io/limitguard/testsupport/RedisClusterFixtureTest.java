package io.limitguard.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedisClusterFixtureTest {

    @Test
    void threeMastersWithReplicasAndAFailoverPromotesTheReplica() {
        try (RedisClusterFixture cluster = RedisClusterFixture.start()) {
            assertThat(cluster.seedUris()).hasSize(6);
            assertThat(cluster.masterPorts()).hasSize(3).doesNotHaveDuplicates();
            int first = cluster.masterOfSlot(0);
            int last = cluster.masterOfSlot(16383);
            assertThat(first).isEqualTo(cluster.masterPorts().get(0));
            assertThat(last).isEqualTo(cluster.masterPorts().get(2));
            assertThat(cluster.cli(first, "cluster", "info")).contains("cluster_slots_assigned:16384");

            int replica = cluster.killMasterOfSlot(0);
            cluster.awaitPromoted(replica);

            assertThat(cluster.masterOfSlot(0)).isEqualTo(replica);
            assertThat(cluster.masterPorts()).hasSize(3).contains(replica).doesNotContain(first);
            assertThat(cluster.seedUris()).hasSize(5);
            assertThat(cluster.cli(replica, "role").lines().findFirst()).contains("master");
        }
    }
}
