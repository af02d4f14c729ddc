package io.limitguard.analytics.config;

import io.limitguard.analytics.query.AnalyticsQueryService;
import io.limitguard.analytics.query.LocalStores;
import io.limitguard.analytics.query.PeerClient;
import io.limitguard.analytics.web.QueryParameters;
import java.time.Clock;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/** Wires the interactive-query side: local reads, peer fetches, parameter validation. */
@Configuration(proxyBeanMethods = false)
public class QueryConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    QueryParameters queryParameters(AnalyticsProperties properties, Clock clock) {
        return new QueryParameters(properties, clock);
    }

    /**
     * Netty event loops and connection pools of this application context only (server and peer
     * client), not Reactor's JVM-wide ones: closing one context, e.g. one of several instances in a
     * test JVM, must not take the others' server and client down with it.
     */
    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        return factory;
    }

    @Bean
    AnalyticsQueryService analyticsQueryService(KafkaStreams streams, AnalyticsProperties properties,
                                                ReactorResourceFactory resources) {
        WebClient http = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(resources, client -> client))
                .build();
        return new AnalyticsQueryService(streams, new LocalStores(streams), new PeerClient(http),
                HostInfo.buildFromEndpoint(properties.applicationServer()), properties.queryRetryTimeout());
    }
}
