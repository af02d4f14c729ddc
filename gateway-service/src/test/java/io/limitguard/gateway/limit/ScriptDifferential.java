package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * The machinery of the differential tests: drives the real assembled script (every algorithm file
 * inside the real driver, in a real Redis; only the clock file differs: time from the last ARGV, a
 * {@link ClockedEngine}) and the algorithms' {@link LimitModel}s with the same random sequences of
 * (time, cost, release), and requires identical answers for every call: allowed, remaining, next and
 * retry-after of every limit, and the all-or-nothing charging. One Redis per test class.
 *
 * <p>Generators must keep every PEXPIRE at a second or more of real time (rates at most 1/s,
 * windows and leases of a second or more): a sequence runs in far less, so Redis never expires a
 * key the model still holds.
 */
final class ScriptDifferential implements AutoCloseable {

    private final ClockedEngine clocked = new ClockedEngine();
    private long nextRequestId = 1;

    /** What a run exercised: the sequences must see both answers and the all-or-nothing case, or they prove little. */
    record Stats(int calls, int rejected, int partial, int releases) {
    }

    /**
     * Runs {@code sequences} sequences of {@code steps} calls; each sequence gets fresh keys and the
     * limits {@code limits} draws. Costs are 1 to min(4, smallest quota of a cost-charged limit).
     * A call that was admitted holding a concurrency slot is released later at random (in the
     * script: {@code ZREM}, exactly what the gateway sends; in the model: {@link LimitModel#release}).
     */
    Stats run(String name, long seed, int sequences, int steps, Function<Random, List<LimitSpec>> limits) {
        return run(name, seed, sequences, steps, limits, false, 1);
    }

    /**
     * As {@link #run(String, long, int, int, Function)}; with {@code grouped} every limit is put in a
     * random group of 0 (enforced), 1 or 2 (shadow rules), each group all-or-nothing on its own. With
     * {@code maxBatch} above 1 each step is a batch of 1 to {@code maxBatch} requests on the same keys
     * at the same time, in ONE script call (the batch mode), which must answer each request as the
     * model does when it evaluates them one after the other.
     */
    Stats run(String name, long seed, int sequences, int steps, Function<Random, List<LimitSpec>> limits,
            boolean grouped, int maxBatch) {
        Random random = new Random(seed);
        int calls = 0;
        int rejected = 0;
        int partial = 0;
        int releases = 0;
        for (int sequence = 0; sequence < sequences; sequence++) {
            List<LimitSpec> specs = limits.apply(random);
            List<LimitModel<?>> models = specs.stream().<LimitModel<?>>map(spec -> spec.model(1)).toList();
            int[] groups = new int[specs.size()];
            for (int l = 0; grouped && l < groups.length; l++) {
                groups[l] = random.nextInt(3);
            }
            long maxCost = 4;
            for (LimitSpec spec : specs) {
                if (!spec.heldUntilResponseEnds()) {
                    maxCost = Math.min(maxCost, spec.quota());
                }
            }
            List<Long> held = new ArrayList<>();
            long now = 1_700_000_000_000_000L + random.nextInt(1_000_000_000);
            for (int step = 0; step < steps; step++) {
                now += timeStep(random);
                if (!held.isEmpty() && random.nextInt(5) < 2) {
                    long requestId = held.remove(random.nextInt(held.size()));
                    for (int l = 0; l < specs.size(); l++) {
                        if (specs.get(l).heldUntilResponseEnds()) {
                            clocked.sync().zrem(key(name, sequence, specs.get(l)), Long.toString(requestId));
                            models.get(l).release(requestId);
                        }
                    }
                    releases++;
                }
                int batch = 1 + random.nextInt(maxBatch);
                List<List<LimitCall>> requests = new ArrayList<>(batch);
                for (int r = 0; r < batch; r++) {
                    long cost = 1 + random.nextInt((int) maxCost);
                    long requestId = nextRequestId++;
                    List<LimitCall> call = new ArrayList<>();
                    for (int l = 0; l < specs.size(); l++) {
                        call.add(new LimitCall(key(name, sequence, specs.get(l)), specs.get(l), cost, requestId, groups[l]));
                    }
                    requests.add(call);
                }
                List<Evaluation> answers = maxBatch == 1
                        ? List.of(clocked.evaluate(requests.get(0), now))
                        : clocked.evaluateBatch(requests, now);
                for (int r = 0; r < batch; r++) {
                    LimitCall first = requests.get(r).get(0);
                    Evaluation expected = LimitModel.evaluate(models, groups, now, first.cost(), first.requestId());
                    assertThat(answers.get(r)).as("%s sequence %d step %d request %d of %d at %d cost %d limits %s groups %s",
                            name, sequence, step, r + 1, batch, now, first.cost(), specs, Arrays.toString(groups))
                            .isEqualTo(expected);
                    calls++;
                    if (expected.allowed()) {
                        if (specs.stream().anyMatch(LimitSpec::heldUntilResponseEnds)) {
                            held.add(first.requestId());
                        }
                    } else {
                        rejected++;
                        if (expected.verdicts().stream().anyMatch(LimitVerdict::allowed)) {
                            partial++;
                        }
                    }
                }
            }
        }
        return new Stats(calls, rejected, partial, releases);
    }

    private static String key(String name, int sequence, LimitSpec spec) {
        return "lg:{" + name + sequence + ":k}:" + spec.name();
    }

    /** Mostly small steps, sometimes none, sometimes long pauses or a clock going back. */
    static long timeStep(Random random) {
        int kind = random.nextInt(20);
        if (kind < 3) {
            return 0;
        }
        if (kind < 12) {
            return 1 + random.nextInt(300_000);
        }
        if (kind < 18) {
            return 300_000 + random.nextInt(3_000_000);
        }
        if (kind < 19) {
            return 10_000_000L + random.nextInt(1_000_000_000);
        }
        return -random.nextInt(1_000_000);
    }

    @Override
    public void close() {
        clocked.close();
    }
}
