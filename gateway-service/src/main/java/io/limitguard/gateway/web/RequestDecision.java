package io.limitguard.gateway.web;

import java.util.List;

/**
 * Everything the limiter decided for one request.
 *
 * @param status        what the client gets
 * @param rules         one decision per applicable rule
 * @param latencyMicros time from the start of the decision to its end
 * @param missingKeyRule the rule whose key was missing, for {@link Status#MISSING_KEY}
 */
public record RequestDecision(Status status, List<RuleDecision> rules, long latencyMicros, String missingKeyRule) {

    /** The response the request gets. */
    public enum Status {
        /** Forward to the upstream. */
        ALLOWED,
        /** 429: a limit (in Redis or the local fallback) has no room. */
        RATE_LIMITED,
        /** 503: Redis could not decide and a rule fails closed. */
        UNAVAILABLE,
        /** 400: a rule's key is missing and {@code limitguard.keys.on-empty=reject}. */
        MISSING_KEY
    }

    public RequestDecision {
        rules = List.copyOf(rules);
    }

    /** The most constraining limit over all rules, or null when no rule has verdicts. */
    public RuleDecision mostConstraining() {
        RuleDecision best = null;
        for (RuleDecision rule : rules) {
            if (rule.decisive() >= 0 && (best == null
                    || RuleDecision.moreConstraining(rule.decisiveVerdict(), best.decisiveVerdict()))) {
                best = rule;
            }
        }
        return best;
    }
}
