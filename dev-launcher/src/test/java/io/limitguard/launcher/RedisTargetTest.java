package io.limitguard.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.launcher.RedisTarget.Address;
import org.junit.jupiter.api.Test;

class RedisTargetTest {

    @Test
    void oneRedisWithItsDefaultPort() {
        assertThat(RedisTarget.of("redis://10.0.0.1:6380/2")).isEqualTo(new RedisTarget(false,
                java.util.List.of(new Address("10.0.0.1", 6380))));
        assertThat(RedisTarget.of("redis://user:pw@redis.example").addresses())
                .containsExactly(new Address("redis.example", 6379));
        assertThat(RedisTarget.of("redis://[::1]:7000").addresses()).containsExactly(new Address("[::1]", 7000));
    }

    @Test
    void everySentinelWithTheirDefaultPort() {
        RedisTarget target = RedisTarget.of("redis-sentinel://pw@s1:26380,s2,10.0.0.3:26379/1#mymaster");
        assertThat(target.sentinel()).isTrue();
        assertThat(target.addresses()).containsExactly(new Address("s1", 26380), new Address("s2", 26379),
                new Address("10.0.0.3", 26379));
        assertThat(RedisTarget.of("redis-sentinel://s1#m").addresses()).containsExactly(new Address("s1", 26379));
    }

    @Test
    void aPasswordIsNotPrinted() {
        assertThat(RedisTarget.shown("redis://user:s3cret@redis.example:6380/2")).isEqualTo("redis://***@redis.example:6380/2");
        assertThat(RedisTarget.shown("redis-sentinel://s3cret@s1:26380,s2#mymaster"))
                .isEqualTo("redis-sentinel://***@s1:26380,s2#mymaster");
        assertThat(RedisTarget.shown("redis://127.0.0.1:6379")).isEqualTo("redis://127.0.0.1:6379");
        assertThat(RedisTarget.shown("redis://127.0.0.1:6379/0#a@b")).isEqualTo("redis://127.0.0.1:6379/0#a@b");
    }
}
