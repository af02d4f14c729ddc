package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.gateway.admin.AdminProperties;
import io.limitguard.gateway.events.KafkaEventsProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * {@code limitguard.admin.*} and {@code limitguard.kafka.*} are bound by records of their own, outside the check of
 * {@link LimitGuardProperties}: a misspelt name there stops start-up too, naming it, instead of leaving the admin API
 * off ({@code tokn}) or publishing keys unhashed ({@code hash-key}) without a word.
 */
class OtherRecordsUnknownFieldsTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({AdminProperties.class, KafkaEventsProperties.class})
    static class Bind {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bind.class);

    @Test
    void aMisspeltKafkaNameStopsStartUpNamingIt() {
        assertUnbound("limitguard.kafka.hash-key=true", "limitguard.kafka.hash-key");
        assertUnbound("limitguard.kafka.topics.partiions=6", "limitguard.kafka.topics.partiions");
    }

    @Test
    void aMisspeltAdminNameStopsStartUpNamingIt() {
        assertUnbound("limitguard.admin.tokn=0123456789abcdef", "limitguard.admin.tokn");
    }

    @Test
    void theNamesThatExistBind() {
        runner.withPropertyValues("limitguard.kafka.hash-keys=true", "limitguard.kafka.hash-secret=s",
                        "limitguard.kafka.topics.partitions=6", "limitguard.admin.token=0123456789abcdef")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(KafkaEventsProperties.class).hashKeys()).isTrue();
                    assertThat(context.getBean(AdminProperties.class).token()).isEqualTo("0123456789abcdef");
                });
    }

    private void assertUnbound(String property, String name) {
        runner.withPropertyValues(property).run(context -> assertThat(context).getFailure()
                .rootCause().isInstanceOf(UnboundConfigurationPropertiesException.class)
                .hasMessageContaining(name));
    }
}
