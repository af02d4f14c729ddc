package io.limitguard.gateway.config;

import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Adds {@link RuleFieldsBindHandler} to Spring Boot's binding of {@code @ConfigurationProperties} (the rules in {@link LimitGuardProperties}). */
@Configuration(proxyBeanMethods = false)
public class RuleFieldsConfiguration {

    /** Static: the binder asks for advisors while binding the first properties bean, before this class's instance. */
    @Bean
    static ConfigurationPropertiesBindHandlerAdvisor ruleFieldsBindHandlerAdvisor() {
        return RuleFieldsBindHandler::new;
    }
}
