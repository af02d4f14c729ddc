package io.limitguard.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/** A {@code --port-offset} that puts every port of the launcher's stack on a free port. */
final class FreePortOffset {

    private FreePortOffset() {
    }

    static int find() {
        for (int attempt = 0; attempt < 50; attempt++) {
            // every port below 32768, where Linux hands out no ephemeral ports: a port chosen up there was taken
            // by a local outgoing connection (Kafka, Redis) before the gateway bound it, once in a CI run
            int offset = 10_000 + ThreadLocalRandom.current().nextInt(130) * 100;
            LauncherOptions.Ports p = new LauncherOptions.Ports(offset);
            if (IntStream.of(p.gateway(), p.gatewayHttps(), p.dashboard(), p.dashboardHttps(), p.dashboardRsocketTcp(),
                    p.analytics(), p.upstream(), p.redis(), p.kafka(), p.kafkaController()).allMatch(FreePortOffset::free)) {
                return offset;
            }
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
