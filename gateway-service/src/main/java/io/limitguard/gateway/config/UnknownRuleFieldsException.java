package io.limitguard.gateway.config;

import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;

/**
 * A rule has properties no field takes: a misspelt key. Thrown by {@link RuleFieldsBindHandler}. A
 * {@link UnboundConfigurationPropertiesException}, so Spring Boot's start-up failure report lists each
 * property with its value and origin (file and line).
 */
public final class UnknownRuleFieldsException extends UnboundConfigurationPropertiesException {

    private final List<ConfigurationPropertyName> fields;
    private final String problem;

    /**
     * @param properties the properties no field took (for the report)
     * @param fields     the unknown keys as written: each property cut at its first element no field has
     *                   ({@code limts}, not {@code limts[0].name} and {@code limts[0].capacity})
     * @param ruleCheck  the rule's own check that failed without the misspelt field (a required one), or null
     */
    UnknownRuleFieldsException(Set<ConfigurationProperty> properties, List<ConfigurationPropertyName> fields,
            Throwable ruleCheck) {
        super(properties);
        this.fields = List.copyOf(fields);
        this.problem = ruleCheck != null ? ruleCheck.getMessage() : null;
        if (ruleCheck != null) {
            addSuppressed(ruleCheck); // its trace stays with the failure; the root cause stays this
        }
    }

    /** The unknown keys, full names ({@code limitguard.rules[0].limts}), sorted. */
    public List<ConfigurationPropertyName> fields() {
        return fields;
    }

    /** What the rule's own check said without the misspelt fields ({@code rule 'x': limits: ...}), or null. */
    public String problem() {
        return problem;
    }

    /** {@code unknown field(s) [limitguard.rules[0].limts]; rule 'x': limits: at least one limit is required}. */
    @Override
    public String getMessage() {
        return "unknown field(s) " + fields + (problem != null ? "; " + problem : "");
    }
}
