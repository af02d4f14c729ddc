package io.limitguard.gateway.limit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java reference model of one algorithm of {@code lua/}: the same two phases as the script
 * (check without writing, then commit only when every limit of the call allowed) and the same
 * arithmetic, so that model and script give identical answers for the same sequence of calls. Used
 * by the differential tests and by the in-process limiter of the {@code local} failure mode.
 * Implementations are not thread-safe: callers serialise access.
 *
 * @param <C> the outcome of phase 1
 */
public interface LimitModel<C extends LimitModel.Check> {

    /**
     * Phase 1: whether the request fits at {@code nowMicros}. Changes nothing.
     *
     * @param requestId the request's id (a concurrency limit names its lease with it)
     */
    C check(long nowMicros, long cost, long requestId);

    /** Phase 2: charge a check that passed (only when every limit of the call passed). */
    void commit(C check);

    /** The verdict the script reports for this limit, {@code committed} telling whether the call charged. */
    LimitVerdict report(C check, boolean committed);

    /** Gives back what request {@code requestId} holds until its response ends (concurrency); idempotent. */
    default void release(long requestId) {
    }

    /** Phase 1 of one limit. */
    interface Check {
        boolean allowed();
    }

    /**
     * Every limit of one call, all-or-nothing, exactly as the script's driver does it.
     *
     * @return the evaluation the script would return
     */
    static Evaluation evaluate(List<? extends LimitModel<?>> models, long nowMicros, long cost, long requestId) {
        int[] groups = new int[models.size()];
        return evaluate(models, groups, nowMicros, cost, requestId);
    }

    /**
     * As the script's driver with groups: each group all-or-nothing on its own; the evaluation's
     * {@code allowed} is group 0's (the enforced limits; true when there are none).
     */
    static Evaluation evaluate(List<? extends LimitModel<?>> models, int[] groups, long nowMicros, long cost,
            long requestId) {
        List<Staged<?>> staged = new ArrayList<>(models.size());
        Map<Integer, Boolean> allowed = new HashMap<>();
        allowed.put(LimitCall.ENFORCED, true);
        for (int i = 0; i < models.size(); i++) {
            Staged<?> s = Staged.of(models.get(i), nowMicros, cost, requestId);
            staged.add(s);
            allowed.merge(groups[i], s.check.allowed(), Boolean::logicalAnd);
        }
        List<LimitVerdict> verdicts = new ArrayList<>(models.size());
        for (int i = 0; i < staged.size(); i++) {
            boolean committed = allowed.get(groups[i]);
            if (committed) {
                staged.get(i).commit();
            }
            verdicts.add(staged.get(i).report(committed));
        }
        return new Evaluation(allowed.get(LimitCall.ENFORCED), verdicts);
    }

    /** A model with its phase-1 result, keeping the two of the same type. */
    final class Staged<C extends Check> {
        private final LimitModel<C> model;
        private final C check;

        private Staged(LimitModel<C> model, C check) {
            this.model = model;
            this.check = check;
        }

        static <C extends Check> Staged<C> of(LimitModel<C> model, long now, long cost, long requestId) {
            return new Staged<>(model, model.check(now, cost, requestId));
        }

        void commit() {
            model.commit(check);
        }

        LimitVerdict report(boolean committed) {
            return model.report(check, committed);
        }
    }
}
