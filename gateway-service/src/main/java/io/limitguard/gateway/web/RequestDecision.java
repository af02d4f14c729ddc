package io.limitguard.gateway.web;

import io.limitguard.gateway.rules.Rule;
import java.util.List;

/**
 * Everything the limiter decided for one request.
 *
 * @param status        what the client gets
 * @param rules         one decision per applicable rule
 * @param latencyMicros time from the start of the decision to its end
 * @param refusedBy     the rule whose key was missing ({@link Status#MISSING_KEY}) or repeated
 *                      ({@link Status#REPEATED_KEY}), or whose cost header was invalid ({@link Status#INVALID_COST})
 */
public record RequestDecision(Status status, List<RuleDecision> rules, long latencyMicros, Rule refusedBy) {

    /** The response the request gets. */
    public enum Status {
        /** Forward to the upstream. */
        ALLOWED,
        /** 429: a limit (in Redis or the local fallback) has no room. */
        RATE_LIMITED,
        /** 503: Redis could not decide and a rule fails closed. */
        UNAVAILABLE,
        /** 400: a rule's key is missing and {@code limitguard.keys.on-empty=reject}. */
        MISSING_KEY,
        /** 400: the request carries a rule's key header more than once. */
        REPEATED_KEY,
        /** 400: a rule's cost header is not a whole number from 0 to its max-cost. */
        INVALID_COST
    }

    public RequestDecision {
        rules = List.copyOf(rules);
    }

    /** The most constraining limit over the enforced rules (shadow rules send no headers), or null when none has verdicts. */
    public RuleDecision mostConstraining() {
        RuleDecision best = null;
        for (RuleDecision rule : rules) {
            if (!rule.rule().shadow() && rule.decisive() >= 0 && (best == null
                    || RuleDecision.moreConstraining(rule.decisiveVerdict(), best.decisiveVerdict()))) {
                best = rule;
            }
        }
        return best;
    }
}
