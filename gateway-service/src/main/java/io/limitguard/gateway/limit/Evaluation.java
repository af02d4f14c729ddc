package io.limitguard.gateway.limit;

import java.util.List;

/**
 * The answer of one script call.
 *
 * @param allowed  every limit had room; all were charged. When false, nothing was charged.
 * @param verdicts one per {@link LimitCall}, in call order
 */
public record Evaluation(boolean allowed, List<LimitVerdict> verdicts) {

    public Evaluation {
        verdicts = List.copyOf(verdicts);
    }
}
