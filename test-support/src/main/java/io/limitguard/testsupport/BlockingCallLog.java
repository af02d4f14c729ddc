package io.limitguard.testsupport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a BlockHound callback records: each blocking call site once (the first call's thread and
 * stack), cheap under load. The modules' {@code BlockingCalls} decide what to watch and what to allow;
 * this is the record they share.
 */
public final class BlockingCallLog {

    private final Map<String, String> calls = new ConcurrentHashMap<>();
    private final String recorder;

    /** @param recorder the class whose BlockHound callback calls {@link #record}: its frames are not the call site */
    public BlockingCallLog(Class<?> recorder) {
        this.recorder = recorder.getName();
    }

    /** Records the blocking {@code method} (BlockHound's description of it) called on this thread. */
    public void record(Object method) {
        calls.computeIfAbsent(method + " from " + caller(), site -> Thread.currentThread().getName() + "\n" + stack());
    }

    /** Call site -> thread and stack of the first blocking call seen there. */
    public Map<String, String> seen() {
        return Map.copyOf(calls);
    }

    public void clear() {
        calls.clear();
    }

    /** Forgets the call sites containing {@code callSitePart}. */
    public void forget(String callSitePart) {
        calls.keySet().removeIf(site -> site.contains(callSitePart));
    }

    private String caller() {
        for (StackTraceElement frame : Thread.currentThread().getStackTrace()) {
            String name = frame.getClassName();
            if (!name.startsWith("java.") && !name.startsWith("jdk.") && !name.startsWith("reactor.blockhound")
                    && !name.startsWith(recorder) && !name.equals(BlockingCallLog.class.getName())) {
                return frame.toString();
            }
        }
        return "?";
    }

    private static String stack() {
        StringBuilder text = new StringBuilder();
        StackTraceElement[] frames = Thread.currentThread().getStackTrace();
        for (int i = 2; i < Math.min(frames.length, 40); i++) {
            text.append("  at ").append(frames[i]).append('\n');
        }
        return text.toString();
    }
}
