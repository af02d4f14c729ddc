package io.limitguard.gateway.failure;

import io.limitguard.events.Outcome;
import io.limitguard.gateway.config.RuleProperties.FailureMode;
import io.limitguard.gateway.limit.LimitVerdict;
import io.limitguard.gateway.web.RequestDecision;
import io.limitguard.gateway.web.RequestLimiter.KeyedRule;
import io.limitguard.gateway.web.RuleDecision;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides a request when Redis could not (error, time limit, breaker open), by each rule's
 * {@code on-failure}: {@code open} allows, {@code closed} answers 503, {@code local} asks the
 * {@link LocalLimiter}. A closed rule wins (503) and then no local bucket is charged.
 */
public final class FailureFallback {

    private static final Logger log = LoggerFactory.getLogger(FailureFallback.class);

    private final LocalLimiter local;

    public FailureFallback(LocalLimiter local) {
        this.local = local;
    }

    /**
     * @param requestId names the concurrency slots a {@code local} rule takes (released by the gateway
     *                  when the response ends, see {@code ConcurrencyReleases})
     */
    public RequestDecision decide(List<KeyedRule> keyed, long startNanos, long requestId, Throwable cause) {
        if (log.isDebugEnabled()) {
            log.debug("Redis could not decide ({}); using the rules' failure modes", cause.toString());
        }
        boolean closed = keyed.stream().anyMatch(k -> k.rule().onFailure() == FailureMode.CLOSED);
        List<RuleDecision> decisions = new ArrayList<>(keyed.size());
        boolean localBlocked = false;
        for (KeyedRule k : keyed) {
            switch (k.rule().onFailure()) {
                case OPEN -> decisions.add(new RuleDecision(k.rule(), k.key(), Outcome.FAILED_OPEN, List.of()));
                case CLOSED -> decisions.add(new RuleDecision(k.rule(), k.key(), Outcome.FAILED_CLOSED, List.of()));
                case LOCAL -> {
                    if (closed || localBlocked) {
                        // The request is rejected anyway: charge no local bucket.
                        decisions.add(new RuleDecision(k.rule(), k.key(),
                                closed ? Outcome.FAILED_CLOSED : Outcome.LOCAL_BLOCKED, List.of()));
                        continue;
                    }
                    List<LimitVerdict> verdicts = local.decide(k.rule(), k.key(), requestId);
                    boolean allowed = verdicts.stream().allMatch(LimitVerdict::allowed);
                    localBlocked |= !allowed;
                    decisions.add(new RuleDecision(k.rule(), k.key(),
                            allowed ? Outcome.LOCAL_ALLOWED : Outcome.LOCAL_BLOCKED, verdicts));
                }
            }
        }
        if (localBlocked) {
            // The request is rejected: the local rules that admitted it before give their slots back (their
            // token-bucket charges stay, as when Redis is up and rules of one request are charged separately).
            for (RuleDecision decision : decisions) {
                if (decision.outcome() == Outcome.LOCAL_ALLOWED) {
                    local.release(decision.rule(), decision.key(), requestId);
                }
            }
        }
        RequestDecision.Status status = closed ? RequestDecision.Status.UNAVAILABLE
                : localBlocked ? RequestDecision.Status.RATE_LIMITED : RequestDecision.Status.ALLOWED;
        return new RequestDecision(status, decisions, (System.nanoTime() - startNanos) / 1000, null);
    }
}
