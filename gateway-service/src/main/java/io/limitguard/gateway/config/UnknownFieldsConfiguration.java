package io.limitguard.gateway.config;

import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Adds the gateway's checks for properties no field takes to Spring Boot's binding of
 * {@code @ConfigurationProperties}: a rule's ({@link RuleFieldsBindHandler}) and the rest of {@code limitguard.*}
 * ({@link UnknownPropertiesBindHandler}).
 */
@Configuration(proxyBeanMethods = false)
public class UnknownFieldsConfiguration {

    /** Static: the binder asks for advisors while binding the first properties bean, before this class's instance. */
    @Bean
    static ConfigurationPropertiesBindHandlerAdvisor ruleFieldsBindHandlerAdvisor() {
        return RuleFieldsBindHandler::new;
    }

    @Bean
    static ConfigurationPropertiesBindHandlerAdvisor unknownPropertiesBindHandlerAdvisor() {
        return UnknownPropertiesBindHandler::new;
    }
}
