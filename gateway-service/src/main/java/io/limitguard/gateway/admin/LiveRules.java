package io.limitguard.gateway.admin;

import io.limitguard.gateway.config.RuleProperties;
import io.limitguard.gateway.rules.RuleSet;
import io.limitguard.gateway.web.OverLimitCache;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules in force: the start-up rules ({@code limitguard.rules}) with the changes stored through
 * the admin API laid over them (a stored rule replaces the start-up rule of its id or adds one; a
 * tombstone removes it). Every time the stored changes are read, the {@link RuleSet} the filter uses
 * is replaced as a whole and the over-limit cache forgotten (limits may have changed).
 */
final class LiveRules {

    private static final Logger log = LoggerFactory.getLogger(LiveRules.class);

    private final List<RuleProperties> startup;
    private final RuleSet ruleSet;
    private final OverLimitCache overLimit;
    private volatile Map<String, RuleProperties> current;

    LiveRules(List<RuleProperties> startup, RuleSet ruleSet, OverLimitCache overLimit) {
        this.startup = List.copyOf(startup);
        this.ruleSet = ruleSet;
        this.overLimit = overLimit;
        this.current = byId(startup);
    }

    /** The rules in force, start-up order first, added ones after. */
    List<RuleProperties> all() {
        return List.copyOf(current.values());
    }

    RuleProperties get(String id) {
        return current.get(id);
    }

    /** The rules in force with {@code rule} added, or in place of the rule of its id. */
    List<RuleProperties> with(RuleProperties rule) {
        Map<String, RuleProperties> rules = new LinkedHashMap<>(current);
        rules.put(rule.id(), rule);
        return List.copyOf(rules.values());
    }

    /** Applies the stored changes (rule id to JSON or {@link RuleStore#DELETED}). */
    synchronized void apply(Map<String, String> stored) {
        Map<String, RuleProperties> rules = byId(startup);
        stored.forEach((id, value) -> {
            if (RuleStore.DELETED.equals(value)) {
                rules.remove(id);
                return;
            }
            try {
                RuleProperties rule = RuleCodec.read(value);
                if (rule.id().equals(id)) {
                    rules.put(id, rule);
                } else {
                    log.warn("Stored rule under '{}' has id '{}'; ignored", id, rule.id());
                }
            } catch (IllegalArgumentException e) {
                // Only valid rules are stored; one that is not (written by hand, or by another version) is
                // skipped, and the rule of that id stays as it was.
                RuleProperties before = current.get(id);
                if (before != null) {
                    rules.put(id, before);
                }
                log.warn("Stored rule '{}' is invalid and ignored: {}", id, e.getMessage());
            }
        });
        if (!rules.equals(current)) {
            try {
                RuleProperties.checkLimitsPerRoute(rules.values());
            } catch (IllegalArgumentException e) {
                // The admin API checks this before storing; two gateways accepting rules for the same route at
                // once can still get there together. Applied anyway: such a route costs more per call but works
                // (a batch holds at most 256 limits), while refusing would leave stored rules nobody sees or
                // can delete through the API.
                log.warn("Stored rules applied although {}; change or delete one of them", e.getMessage());
            }
            ruleSet.replace(new ArrayList<>(rules.values()));
            current = rules;
            if (overLimit != null) {
                overLimit.clear();
            }
            log.info("Rules now in force: {}", rules.keySet());
        }
    }

    private static Map<String, RuleProperties> byId(List<RuleProperties> rules) {
        Map<String, RuleProperties> map = new LinkedHashMap<>();
        rules.forEach(rule -> map.put(rule.id(), rule));
        return map;
    }
}
