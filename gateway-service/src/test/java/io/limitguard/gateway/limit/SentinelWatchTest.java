package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The URI a connection is made anew with after a Sentinel announced a new master. */
class SentinelWatchTest {

    @Test
    void theSentinelThatAnnouncedTheSwitchIsAskedFirstAndNothingElseChanges() {
        RedisURI uri = RedisURI.create("redis-sentinel://pw@s1:26379,s2:26380,s3:26381/2#mymaster");
        uri.setTimeout(Duration.ofMillis(750));
        RedisURI second = uri.getSentinels().get(1);

        RedisURI next = SentinelWatch.askingFirst(uri, second);

        assertThat(next.getSentinels()).extracting(s -> s.getHost() + ":" + s.getPort())
                .containsExactly("s2:26380", "s1:26379", "s3:26381");
        assertThat(next.getSentinelMasterId()).isEqualTo("mymaster");
        assertThat(next.getDatabase()).isEqualTo(2);
        assertThat(next.getCredentialsProvider().resolveCredentials().block().getPassword()).containsExactly("pw".toCharArray());
        assertThat(next.getTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(uri.getSentinels()).extracting(RedisURI::getHost).as("the configured URI unchanged")
                .containsExactly("s1", "s2", "s3");
    }

    @Test
    void tlsStaysOn() {
        RedisURI uri = RedisURI.create("rediss-sentinel://s1:26379,s2:26380#cache");
        RedisURI next = SentinelWatch.askingFirst(uri, uri.getSentinels().get(1));
        assertThat(next.isSsl()).isTrue();
        assertThat(next.getSentinels()).allSatisfy(s -> assertThat(s.isSsl()).isTrue());
        assertThat(next.getSentinelMasterId()).isEqualTo("cache");
    }
}
