package io.limitguard.analytics.web;

import io.limitguard.analytics.query.AnalyticsQueryService;
import io.limitguard.analytics.query.BlockedKey;
import io.limitguard.analytics.query.PeerClient;
import io.limitguard.analytics.query.StoredWindow;
import io.limitguard.analytics.topology.Step;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * What instances ask each other: the part of an answer held in this instance's stores. Not for
 * clients (no fan-out, raw epoch-ms window starts); keep it off public networks.
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
        return queries.localWindows(s, key, partition, from, to);
    }

    @GetMapping(PeerClient.BLOCKED_KEYS_PATH)
    public Mono<List<BlockedKey>> blockedKeys(@RequestParam List<Integer> partitions, @RequestParam long from,
                                              @RequestParam long to) {
        return queries.localBlockedKeys(partitions, from, to);
    }
}
