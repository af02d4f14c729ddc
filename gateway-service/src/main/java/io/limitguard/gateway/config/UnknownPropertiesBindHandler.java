package io.limitguard.gateway.config;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.UnboundElementsSourceFilter;

/**
 * Refuses a {@code limitguard.*} property that no field of {@link LimitGuardProperties} takes: a misspelt
 * {@code limitguard.redis.timout: 5s} would otherwise leave the 50 ms default in force without a word. Start-up
 * stops with Spring Boot's report of the property, its value and where it was written.
 *
 * <p>The check is Spring's {@link NoUnboundElementsBindHandler} on the binding of {@code limitguard}, from the
 * sources it checks for {@code ignoreUnknownFields = false} (files and command line; not the environment variables,
 * whose names say too little). Names under {@link #ELSEWHERE} are left to whoever binds them.
 */
final class UnknownPropertiesBindHandler extends AbstractBindHandler {

    /**
     * The rules (checked field by field, {@link RuleFieldsBindHandler}), the gateway's other records (each refuses
     * names of its own it does not know: {@code ignoreUnknownFields = false} on {@code limitguard.admin} and
     * {@code limitguard.kafka}, tls-bootstrap's check of {@code limitguard.tls}), and the other services'
     * namespaces: one configuration file may serve all three services.
     */
    static final List<ConfigurationPropertyName> ELSEWHERE = Stream.of("limitguard.rules", "limitguard.admin",
            "limitguard.kafka", "limitguard.tls", "limitguard.analytics", "limitguard.dashboard")
            .map(ConfigurationPropertyName::of).toList();

    /** Spring's check while {@code limitguard} is being bound, else null. */
    private NoUnboundElementsBindHandler check;

    UnknownPropertiesBindHandler(BindHandler parent) {
        super(parent);
    }

    @Override
    public <T> Bindable<T> onStart(ConfigurationPropertyName name, Bindable<T> target, BindContext context) {
        if (context.getDepth() == 0 && target.getType().resolve() == LimitGuardProperties.class) {
            check = new NoUnboundElementsBindHandler(BindHandler.DEFAULT, new UnboundElementsSourceFilter());
        }
        if (check != null) {
            check.onStart(name, target, context);
        }
        return super.onStart(name, target, context);
    }

    @Override
    public Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Object result) {
        if (check != null) {
            check.onSuccess(name, target, context, result);
        }
        return super.onSuccess(name, target, context, result);
    }

    @Override
    public Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Exception error)
            throws Exception {
        if (context.getDepth() == 0) {
            check = null; // the record's own complaint is the one to read
        }
        return super.onFailure(name, target, context, error);
    }

    @Override
    public void onFinish(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Object result)
            throws Exception {
        super.onFinish(name, target, context, result);
        if (context.getDepth() != 0 || check == null) {
            return;
        }
        NoUnboundElementsBindHandler finished = check;
        check = null;
        try {
            finished.onFinish(name, target, context, result);
        } catch (UnboundConfigurationPropertiesException e) {
            Set<ConfigurationProperty> unknown = e.getUnboundProperties().stream()
                    .filter(property -> ELSEWHERE.stream().noneMatch(other -> other.isAncestorOf(property.getName())))
                    .collect(Collectors.toSet());
            if (!unknown.isEmpty()) {
                throw new UnboundConfigurationPropertiesException(unknown);
            }
        }
    }
}
