package io.limitguard.gateway.web;

import io.limitguard.events.Outcome;
import io.limitguard.gateway.limit.LimitSpec;
import io.limitguard.gateway.limit.LimitVerdict;
import io.limitguard.gateway.rules.Rule;
import java.util.List;

/**
 * What one rule decided for one request.
 *
 * @param key      the bounded client key
 * @param verdicts one per limit of the rule (Redis or the local limiter); empty when nobody counted
 *                 (failed open / failed closed)
 * @param cost     what the request cost under this rule (its cost header or the rule's cost)
 */
public record RuleDecision(Rule rule, String key, Outcome outcome, List<LimitVerdict> verdicts, long cost) {

    public RuleDecision {
        verdicts = List.copyOf(verdicts);
    }

    /** A decision at the rule's fixed cost. */
    public RuleDecision(Rule rule, String key, Outcome outcome, List<LimitVerdict> verdicts) {
        this(rule, key, outcome, verdicts, rule.cost());
    }

    /**
     * Index of the limit that speaks for this rule: the violated one with the longest wait when
     * rejected, else the one with the least room left (then the longest time to the next unit);
     * -1 without verdicts.
     */
    public int decisive() {
        int best = -1;
        for (int i = 0; i < verdicts.size(); i++) {
            if (best < 0 || moreConstraining(verdicts.get(i), verdicts.get(best))) {
                best = i;
            }
        }
        return best;
    }

    public LimitSpec decisiveLimit() {
        int i = decisive();
        return i < 0 ? null : rule.limits().get(i);
    }

    public LimitVerdict decisiveVerdict() {
        int i = decisive();
        return i < 0 ? null : verdicts.get(i);
    }

    static boolean moreConstraining(LimitVerdict a, LimitVerdict b) {
        if (a.allowed() != b.allowed()) {
            return !a.allowed();
        }
        if (!a.allowed()) {
            return a.retryAfterMicros() > b.retryAfterMicros();
        }
        if (a.remaining() != b.remaining()) {
            return a.remaining() < b.remaining();
        }
        return a.nextMicros() > b.nextMicros();
    }
}
