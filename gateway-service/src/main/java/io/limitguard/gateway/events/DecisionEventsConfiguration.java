package io.limitguard.gateway.events;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;

/**
 * The {@link DecisionSink} bean: the Kafka publisher, unless {@code limitguard.kafka.enabled=false}
 * (then there is no sink bean and the limiter uses {@link DecisionSink#NONE}).
 *
 * <p>Connection and producer settings are Boot's ({@code spring.kafka.*}, taken from the
 * auto-configured {@link ProducerFactory} and {@link KafkaAdmin}, which include SSL bundles and
 * connection details). Neither of those beans connects by itself: Boot's {@code KafkaAdmin} only
 * does when {@code NewTopic} beans exist, and there are none; topics are created by the publisher
 * in the background instead, so start-up never waits for Kafka.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(KafkaEventsProperties.class)
@ConditionalOnBooleanProperty(name = "limitguard.kafka.enabled", matchIfMissing = true)
public class DecisionEventsConfiguration {

    @Bean(destroyMethod = "close")
    KafkaDecisionPublisher kafkaDecisionPublisher(KafkaEventsProperties properties, ProducerFactory<?, ?> producerFactory,
                                                  KafkaAdmin kafkaAdmin, ObjectProvider<MeterRegistry> meterRegistry) {
        KafkaDecisionPublisher publisher = KafkaDecisionPublisher.start(properties,
                producerFactory.getConfigurationProperties(), kafkaAdmin.getConfigurationProperties());
        meterRegistry.ifAvailable(publisher::registerMetrics);
        return publisher;
    }
}
