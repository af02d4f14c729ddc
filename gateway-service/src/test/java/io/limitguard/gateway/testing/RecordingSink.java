package io.limitguard.gateway.testing;

import io.limitguard.events.DecisionEvent;
import io.limitguard.gateway.events.DecisionSink;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** A {@link DecisionSink} that keeps every event, for asserting what the filter reports. */
public final class RecordingSink implements DecisionSink {

    private final ConcurrentLinkedQueue<DecisionEvent> events = new ConcurrentLinkedQueue<>();

    @Override
    public void accept(DecisionEvent event) {
        events.add(event);
    }

    public List<DecisionEvent> events(String ruleId) {
        return events.stream().filter(e -> e.ruleId().equals(ruleId)).toList();
    }

    /** Add to a gateway's sources to get a {@link RecordingSink} bean. */
    @Configuration(proxyBeanMethods = false)
    public static class Config {
        @Bean
        RecordingSink recordingSink() {
            return new RecordingSink();
        }
    }
}
