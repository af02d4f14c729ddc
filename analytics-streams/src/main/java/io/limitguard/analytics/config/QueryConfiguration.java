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

    @Bean
    AnalyticsQueryService analyticsQueryService(KafkaStreams streams, AnalyticsProperties properties) {
        return new AnalyticsQueryService(streams, new LocalStores(streams), new PeerClient(WebClient.create()),
                HostInfo.buildFromEndpoint(properties.applicationServer()), properties.queryRetryTimeout());
    }
}
