package io.limitguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.DefaultChannelId;
import org.junit.jupiter.api.Test;

/**
 * What the refusal count takes for a refusal: a connection the acceptor closed without handing it to an event loop.
 * A connection that was taken and is already closed when the acceptor returns (served and closed at once on its own
 * loop) is not one: counting it logged "Refused 1 client connection(s)" on a gateway far below its cap.
 */
class ConnectionCapRefusalsTest {

    @Test
    void aConnectionClosedWithoutAnEventLoopIsARefusal() {
        EmbeddedChannel refused = new EmbeddedChannel(DefaultChannelId.newInstance(), false, false);
        refused.unsafe().closeForcibly(); // as Reactor Netty's acceptor does above the cap

        assertThat(ConnectionCap.Refusals.refused(refused)).isTrue();
    }

    @Test
    void aConnectionTakenAndAlreadyClosedIsNot() {
        EmbeddedChannel served = new EmbeddedChannel(); // registered with an event loop
        served.close();

        assertThat(served.isOpen()).isFalse();
        assertThat(ConnectionCap.Refusals.refused(served)).isFalse();
    }

    @Test
    void anOpenConnectionIsNot() {
        assertThat(ConnectionCap.Refusals.refused(new EmbeddedChannel())).isFalse();
    }
}
