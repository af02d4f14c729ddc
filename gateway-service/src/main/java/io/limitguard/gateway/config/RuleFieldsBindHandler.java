package io.limitguard.gateway.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.core.NestedExceptionUtils;

/**
 * Refuses a rule's properties that no field takes, naming them ({@link UnknownRuleFieldsException}): a misspelt
 * {@code mod: shadow} dropped would put the rule live enforced. Used where rules are bound: start-up config (through
 * {@link UnknownFieldsConfiguration}) and the admin API.
 *
 * <p>Each rule is checked as soon as it is bound, and also when its record refused it: a misspelt required field
 * ({@code limts:}) makes the constructor fail ("limits: at least one limit is required") before a
 * {@link NoUnboundElementsBindHandler} on the whole binding would look (at its end), and the user would stare at a
 * file that plainly has the field. Then the unknown keys are reported with the record's complaint.
 *
 * <p>The check is Spring's: each rule gets a {@link NoUnboundElementsBindHandler} that sees the rule's binding as
 * its whole binding (the rule at depth 0). Inside a list Spring binds from the one source that has the list, so a
 * rule from a {@code --spring.config.additional-location} file is checked against that file only: the fields of
 * application.yml's rules it replaces are not blamed on it.
 */
public final class RuleFieldsBindHandler extends AbstractBindHandler {

    /** The rule being bound (rules hold no rules), or null. */
    private RuleBinding current;

    public RuleFieldsBindHandler(BindHandler parent) {
        super(parent);
    }

    @Override
    public <T> Bindable<T> onStart(ConfigurationPropertyName name, Bindable<T> target, BindContext context) {
        if (isRule(target)) {
            current = new RuleBinding(name);
        }
        if (current != null) {
            current.attempted.add(name);
            current.unbound.onStart(name, target, context);
        }
        return super.onStart(name, target, context);
    }

    @Override
    public Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Object result) {
        if (current != null) {
            current.unbound.onSuccess(name, target, context, result);
        }
        return super.onSuccess(name, target, context, result);
    }

    @Override
    public void onFinish(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Object result)
            throws Exception {
        super.onFinish(name, target, context, result);
        if (isRule(target) && current != null) {
            RuleBinding rule = current;
            current = null;
            rule.check(context, null);
        }
    }

    @Override
    public Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Exception error)
            throws Exception {
        if (isRule(target) && current != null) {
            RuleBinding rule = current;
            current = null;
            // the rule's own construction failed (a failure below it, or our check, arrives as a BindException /
            // unbound exception and was reported there): every field it has was bound, the rest are unknown
            if (!(error instanceof BindException) && !(error instanceof UnboundConfigurationPropertiesException)) {
                rule.check(context, NestedExceptionUtils.getMostSpecificCause(error));
            }
        }
        return super.onFailure(name, target, context, error);
    }

    private static boolean isRule(Bindable<?> target) {
        return target.getType().resolve() == RuleProperties.class;
    }

    private static final class RuleBinding {

        private final ConfigurationPropertyName rule;
        private final NoUnboundElementsBindHandler unbound = new NoUnboundElementsBindHandler(BindHandler.DEFAULT);
        /** Every name the binder asked for under the rule, found or not: the fields the rule has. */
        private final Set<ConfigurationPropertyName> attempted = new HashSet<>();

        RuleBinding(ConfigurationPropertyName rule) {
            this.rule = rule;
        }

        /** Throws {@link UnknownRuleFieldsException} if the rule's source has properties no field took. */
        void check(BindContext context, Throwable ruleCheck) {
            try {
                unbound.onFinish(rule, Bindable.of(RuleProperties.class), new AtRoot(context), null);
            } catch (UnboundConfigurationPropertiesException e) {
                List<ConfigurationPropertyName> fields = e.getUnboundProperties().stream()
                        .map(ConfigurationProperty::getName).map(this::unknownKey).distinct().sorted().toList();
                throw new UnknownRuleFieldsException(e.getUnboundProperties(), fields, ruleCheck);
            } catch (Exception e) {
                throw new IllegalStateException(e); // onFinish declares Exception; the check throws only the above
            }
        }

        /** The property cut after its first element the binder never asked for: {@code limts[0].name} → {@code limts}. */
        private ConfigurationPropertyName unknownKey(ConfigurationPropertyName property) {
            for (int elements = rule.getNumberOfElements() + 1; elements < property.getNumberOfElements(); elements++) {
                ConfigurationPropertyName prefix = property.chop(elements);
                if (!attempted.contains(prefix)) {
                    return prefix;
                }
            }
            return property;
        }
    }

    /** The binding context as seen from the rule: the rule is the root {@link NoUnboundElementsBindHandler} checks. */
    private record AtRoot(BindContext context) implements BindContext {

        @Override
        public Binder getBinder() {
            return context.getBinder();
        }

        @Override
        public int getDepth() {
            return 0;
        }

        @Override
        public Iterable<ConfigurationPropertySource> getSources() {
            return context.getSources();
        }

        @Override
        public ConfigurationProperty getConfigurationProperty() {
            return context.getConfigurationProperty();
        }
    }
}
