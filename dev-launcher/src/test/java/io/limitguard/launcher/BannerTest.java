package io.limitguard.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The start-up banner and {@code --help} name every port a user connects to, moved by --port-offset. */
class BannerTest {

    @Test
    void bannerShowsEveryClientPortWithTheOffset() {
        DevLauncher launcher = new DevLauncher(LauncherOptions.parse("--port-offset=10000"));
        String banner = launcher.banner("redis://127.0.0.1:16379", "127.0.0.1:19092");
        assertThat(banner).contains("http://localhost:18080/demo/hello", "https://localhost:18443/demo/hello",
                "http://localhost:18081/", "https://localhost:18444/",
                "tcp://localhost:17081", "ws://localhost:18081/rsocket",
                "http://localhost:18082/api/v1/block-rate", "http://localhost:18090/");
        assertThat(banner).doesNotContain(":7081", ":8081");
    }

    @Test
    void helpNamesTheRsocketTcpPortAmongThoseThePortOffsetMoves() {
        assertThat(LauncherOptions.USAGE).contains("dashboard RSocket TCP 7081");
    }
}
