package io.limitguard.analytics.web;

import io.limitguard.analytics.query.AnalyticsQueryService;
import io.limitguard.analytics.query.BlockedKey;
import io.limitguard.analytics.query.PeerClient;
import io.limitguard.analytics.query.StoredWindow;
import io.limitguard.analytics.topology.Step;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * What instances ask each other: the part of an answer held in this instance's stores. Not for
 * clients (no fan-out, raw epoch-ms window starts); keep it off public networks.
 *
 * <p>{@code from} and {@code to} are the first and the last window start (epoch ms, both included).
 * Parameters no peer would send are a 400 (problem+json naming the parameter), not a 500 or a 503: a
 * negative time, {@code from > to}, a negative or missing partition number, a partition the stores do
 * not have (a 503 would be retried forever). A partition that exists but is not hosted here (any more)
 * stays a 503 with {@code Retry-After}: the asking instance retries against fresh metadata.
 */
@RestController
public class PeerController {

    private final AnalyticsQueryService queries;

    public PeerController(AnalyticsQueryService queries) {
        this.queries = queries;
    }

    @GetMapping(PeerClient.WINDOWS_PATH)
    public Mono<List<StoredWindow>> windows(@RequestParam String step, @RequestParam String key,
                                            @RequestParam int partition, @RequestParam long from, @RequestParam long to) {
        Step s = Step.fromLabel(step).orElseThrow(() -> new BadParameterException("step", "unknown step '" + step + "'"));
        checkRange(from, to);
        checkPartition("partition", partition, queries.storePartitions());
        return queries.localWindows(s, key, partition, from, to);
    }

    @GetMapping(PeerClient.BLOCKED_KEYS_PATH)
    public Mono<List<BlockedKey>> blockedKeys(@RequestParam List<Integer> partitions, @RequestParam long from,
                                              @RequestParam long to) {
        checkRange(from, to);
        if (partitions.isEmpty()) {
            throw new BadParameterException("partitions", "partitions must list at least one partition number");
        }
        OptionalInt count = queries.storePartitions(); // once: it reads the assignment of every instance
        Set<Integer> seen = new HashSet<>();
        for (Integer partition : partitions) {
            if (partition == null) {
                throw new BadParameterException("partitions", "partitions must be comma-separated partition numbers, "
                        + "without empty elements");
            }
            checkPartition("partitions", partition, count);
            if (!seen.add(partition)) {
                throw new BadParameterException("partitions", "partition " + partition + " is listed twice");
            }
        }
        return queries.localBlockedKeys(partitions, from, to);
    }

    private static void checkRange(long from, long to) {
        if (from < 0) {
            throw new BadParameterException("from", "from must be an epoch-ms time >= 0, was " + from);
        }
        if (from > to) {
            throw new BadParameterException("to", "to (the last window start) must not be before from, was "
                    + to + " < " + from);
        }
    }

    /** @param count the stores' partitions; unknown while partitions are being assigned: then not checked */
    private static void checkPartition(String parameter, int partition, OptionalInt count) {
        if (partition < 0) {
            throw new BadParameterException(parameter, "partition must be >= 0, was " + partition);
        }
        if (count.isPresent() && partition >= count.getAsInt()) {
            throw new BadParameterException(parameter, "partition " + partition + " does not exist: the stores have "
                    + count.getAsInt() + " partition(s), 0.." + (count.getAsInt() - 1));
        }
    }
}
