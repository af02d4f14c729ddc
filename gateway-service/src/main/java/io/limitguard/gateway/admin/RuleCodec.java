package io.limitguard.gateway.admin;

import io.limitguard.gateway.config.LimitProperties;
import io.limitguard.gateway.config.RuleFieldsBindHandler;
import io.limitguard.gateway.config.RuleProperties;
import io.limitguard.gateway.config.UnknownRuleFieldsException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.NestedExceptionUtils;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A rule as JSON in the shape users write it in YAML ({@code rate-per-second}, {@code window: 1h}),
 * read with Spring's own {@link Binder}: the admin API validates exactly like start-up config.
 */
final class RuleCodec {

    /** More than a rule of the most limits and routes can have (each limit is a few fields). */
    static final int MAX_FIELDS = 1024;
    /** The units a returned duration is written in, largest first (then milliseconds). */
    private static final List<ChronoUnit> LARGEST_FIRST =
            List.of(ChronoUnit.DAYS, ChronoUnit.HOURS, ChronoUnit.MINUTES, ChronoUnit.SECONDS);

    private RuleCodec() {
    }

    /** A stored rule. */
    static RuleProperties read(String json) {
        return read(json, null);
    }

    /**
     * A rule from JSON; {@link IllegalArgumentException} naming the rule and field when invalid.
     *
     * @param defaultId the id when the JSON has none (the id may be given once, in the path), or null
     */
    @SuppressWarnings("unchecked")
    static RuleProperties read(String json, String defaultId) {
        Object tree;
        try {
            tree = JsonMapper.shared().readValue(json, Object.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
        }
        if (!(tree instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("the body must be a JSON object (one rule)");
        }
        if (defaultId != null) {
            ((Map<String, Object>) tree).putIfAbsent("id", defaultId);
        }
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("rule", tree, flat);
        if (flat.size() > MAX_FIELDS) {
            // checked before binding: Spring's Binder takes seconds for lists of thousands, on an event loop
            throw new IllegalArgumentException("the rule has " + flat.size() + " fields, at most " + MAX_FIELDS
                    + " (" + RuleProperties.MAX_LIMITS + " limits and " + RuleProperties.MAX_ROUTES + " routes per rule)");
        }
        Object id = flat.get("rule.id");
        try {
            // a misspelt field ("mod": "shadow") must not be dropped silently: the rule would go live enforced
            return new Binder(new MapConfigurationPropertySource(flat)).bind("rule", Bindable.of(RuleProperties.class),
                            new RuleFieldsBindHandler(BindHandler.DEFAULT))
                    .orElseThrow(() -> new IllegalArgumentException("the rule is empty"));
        } catch (BindException e) {
            Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
            if (cause instanceof UnknownRuleFieldsException unknown) {
                // a misspelt required field also fails the rule's own check: both are said, the misspelt key first
                String prefix = RuleProperties.label(id) + ": ";
                String problem = unknown.problem() == null ? "" : "; " + (unknown.problem().startsWith(prefix)
                        ? unknown.problem().substring(prefix.length()) : unknown.problem());
                throw new IllegalArgumentException(prefix + "unknown field(s) "
                        + unknown.fields().stream().map(RuleCodec::field).toList() + problem);
            }
            Class<?> type = e.getTarget() != null ? e.getTarget().getType().resolve() : null;
            if (type != null && type.isEnum() && e.getProperty() != null) {
                // not "No enum constant io.limitguard...Mode.shadw": the values a user may write
                throw new IllegalArgumentException(field(e.getProperty())
                        + ": '" + e.getProperty().getValue() + "' is not one of " + Arrays.stream(type.getEnumConstants())
                                .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT).replace('_', '-'))
                                .collect(Collectors.joining(", ")));
            }
            // our records' own checks name rule and field; a conversion failure is named by the property
            throw new IllegalArgumentException(cause instanceof IllegalArgumentException && cause.getMessage() != null
                    && cause.getMessage().startsWith("rule ") ? cause.getMessage()
                    : e.getProperty() != null ? field(e.getProperty())
                            + ": " + cause.getMessage() : e.getMessage());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid rule: " + e.getMessage());
        }
    }

    /** The property's name as the user wrote it in the rule ({@code limits[0].window}, not {@code rule.limits[0].window}). */
    private static String field(ConfigurationProperty property) {
        return field(property.getName());
    }

    private static String field(ConfigurationPropertyName name) {
        return name.toString().replaceFirst("^rule\\.", "");
    }

    /** The rule as the API returns it (and the store keeps it): only the fields that are set. */
    static Map<String, Object> toMap(RuleProperties rule) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", rule.id());
        if (!rule.routes().isEmpty()) {
            map.put("routes", rule.routes());
        }
        if (!rule.paths().isEmpty()) {
            map.put("paths", rule.paths());
        }
        if (!rule.methods().isEmpty()) {
            map.put("methods", rule.methods());
        }
        map.put("key", rule.key());
        map.put("limits", rule.limits().stream().map(RuleCodec::toMap).toList());
        map.put("cost", rule.cost());
        map.put("on-failure", rule.onFailure().name().toLowerCase(Locale.ROOT));
        map.put("mode", rule.mode().name().toLowerCase(Locale.ROOT));
        if (rule.costHeader() != null) {
            map.put("cost-header", rule.costHeader());
            map.put("max-cost", rule.maxCost());
        }
        return map;
    }

    static String write(RuleProperties rule) {
        return JsonMapper.shared().writeValueAsString(toMap(rule));
    }

    private static Map<String, Object> toMap(LimitProperties limit) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("name", limit.name());
        map.put("algorithm", limit.algorithm());
        putIfSet(map, "capacity", limit.capacity());
        putIfSet(map, "refill-per-second", limit.refillPerSecond());
        putIfSet(map, "rate-per-second", limit.ratePerSecond());
        putIfSet(map, "burst", limit.burst());
        putIfSet(map, "limit", limit.limit());
        putIfSet(map, "window", duration(limit.window()));
        putIfSet(map, "max-in-flight", limit.maxInFlight());
        putIfSet(map, "lease", duration(limit.lease()));
        return map;
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    /**
     * In the largest unit that says it exactly, as a user writes it in a rule ({@code 1h}, {@code 90s},
     * {@code 1500ms}): a rule sent with {@code "window": "1h"} comes back with {@code "1h"}.
     */
    private static String duration(Duration duration) {
        if (duration == null) {
            return null;
        }
        long millis = duration.toMillis();
        ChronoUnit unit = LARGEST_FIRST.stream()
                .filter(u -> millis != 0 && millis % u.getDuration().toMillis() == 0)
                .findFirst().orElse(ChronoUnit.MILLIS);
        return DurationStyle.SIMPLE.print(duration, unit);
    }

    private static void flatten(String prefix, Object value, Map<String, Object> flat) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, child) -> flatten(prefix + "." + key, child, flat));
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                flatten(prefix + "[" + i + "]", list.get(i), flat);
            }
        } else if (value != null) {
            flat.put(prefix, value.toString());
        }
    }
}
