package io.limitguard.gateway.limit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scripts of the engine, one per mix of algorithms, all assembled up front (reading the Lua
 * files is blocking I/O, which must not happen on a request's event loop). A call runs the
 * script holding exactly the algorithms of its limits: Redis executes a script's top level on every
 * call, so an algorithm the call does not use would still cost it (about a command's worth of Redis
 * CPU per algorithm, measured in docs/BENCHMARKS.md). A gateway's rules use a handful of mixes; each
 * is one SHA.
 */
public final class LimitScripts {

    private static final Algorithm[] ALGORITHMS = Algorithm.values();

    /** Index: the mix as a bit set of {@link Algorithm} ordinals; [0] is unused (a call has limits). */
    private final LimitScript[] byMix = new LimitScript[1 << ALGORITHMS.length];

    private LimitScripts(String clockResource) {
        Map<String, String> files = new HashMap<>();
        for (int mix = 1; mix < byMix.length; mix++) {
            List<Algorithm> members = new ArrayList<>();
            for (Algorithm algorithm : ALGORITHMS) {
                if ((mix & (1 << algorithm.ordinal())) != 0) {
                    members.add(algorithm);
                }
            }
            byMix[mix] = LimitScript.assemble(members, clockResource, file -> files.computeIfAbsent(file, LimitScript::read));
        }
    }

    /** Production: time from Redis {@code TIME}. */
    public static LimitScripts load() {
        return new LimitScripts(LimitScript.CLOCK);
    }

    /** The same algorithms and driver with another clock file (tests: a clock read from ARGV). */
    public static LimitScripts withClock(String clockResource) {
        return new LimitScripts(clockResource);
    }

    /** Every script, one per mix (what a fresh Redis is loaded with on connect). */
    public List<LimitScript> all() {
        return Arrays.asList(byMix).subList(1, byMix.length);
    }

    /** The script for the algorithms of {@code calls}. */
    public LimitScript forCalls(List<LimitCall> calls) {
        int mix = 0;
        for (LimitCall call : calls) {
            mix |= 1 << Algorithm.of(call.limit().algorithm()).ordinal();
        }
        return forMix(mix);
    }

    /** The script holding exactly {@code algorithms}. */
    public LimitScript forAlgorithms(Algorithm... algorithms) {
        int mix = 0;
        for (Algorithm algorithm : algorithms) {
            mix |= 1 << algorithm.ordinal();
        }
        return forMix(mix);
    }

    private LimitScript forMix(int mix) {
        if (mix == 0) {
            throw new IllegalArgumentException("a script call needs at least one limit");
        }
        return byMix[mix];
    }
}
