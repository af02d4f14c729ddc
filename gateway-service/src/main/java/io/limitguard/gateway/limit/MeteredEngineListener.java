package io.limitguard.gateway.limit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/** Counts what the engine reports in Micrometer ({@code /actuator/prometheus}). */
public final class MeteredEngineListener implements EngineListener {

    public static final String SCRIPT_RELOADS = "limitguard.redis.script.reloads";
    public static final String REFUNDS = "limitguard.refunds";
    public static final String REFUND_FAILURES = "limitguard.refund.failures";
    public static final String BATCH_REQUESTS = "limitguard.redis.batch.requests";

    private final Counter reloads;
    private final Counter refunds;
    private final Counter refundFailures;
    private final DistributionSummary batches;

    public MeteredEngineListener(MeterRegistry meters) {
        reloads = Counter.builder(SCRIPT_RELOADS)
                .description("NOSCRIPT answers: the script was sent again (restart, flush, promoted replica)")
                .register(meters);
        refunds = Counter.builder(REFUNDS)
                .description("Limits charged in an earlier Redis Cluster slot and given back because a later slot rejected")
                .register(meters);
        refundFailures = Counter.builder(REFUND_FAILURES)
                .description("Limits whose refund failed; the charge stays until the limit refills or its key expires")
                .register(meters);
        batches = DistributionSummary.builder(BATCH_REQUESTS)
                .description("Requests decided per limiter script call (count = calls, sum = requests)")
                .register(meters);
    }

    @Override
    public void scriptReloaded() {
        reloads.increment();
    }

    @Override
    public void batchSent(int requests) {
        batches.record(requests);
    }

    @Override
    public void refunded(int limits) {
        refunds.increment(limits);
    }

    @Override
    public void refundFailed(int limits, Throwable error) {
        refundFailures.increment(limits);
    }
}
