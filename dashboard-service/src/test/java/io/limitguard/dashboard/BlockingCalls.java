package io.limitguard.dashboard;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.blockhound.BlockHound;

/**
 * BlockHound over every integration test of this module: a blocking call on a Netty event loop or a
 * Reactor non-blocking thread of the app is recorded (call site and stack), and
 * {@link DashboardIntegrationTest} fails the test class that made it. Recording rather than throwing keeps the failure readable.
 */
public final class BlockingCalls {

    private static final Map<String, String> CALLS = new ConcurrentHashMap<>();
    private static volatile boolean installed;

    private BlockingCalls() {
    }

    public static synchronized void install() {
        if (installed) {
            return;
        }
        BlockHound.builder()
                .loadIntegrations() // Reactor's and Netty's: they mark their threads non-blocking
                // The one allowance: Spring's static-resource lookup checks that a page asset inside a jar
                // (the uPlot webjar) is readable by opening the jar entry. Page loads only, never the live
                // streams or history; the jar is local and cached after the first look.
                .allowBlockingCallsInside("org.springframework.web.reactive.resource.PathResourceResolver", "getResource")
                .blockingMethodCallback(method -> {
                    if (isAppThread(Thread.currentThread().getName()) && !inClassInitializer()) {
                        CALLS.computeIfAbsent(method + " from " + caller(),
                                site -> Thread.currentThread().getName() + "\n" + stack());
                    }
                })
                .install();
        installed = true;
    }

    /**
     * The dashboard's own non-blocking threads: the event loops of Spring's {@code ReactorResourceFactory}
     * ({@code webflux-http-*}: HTTP server, its WebClient and the RSocket TCP server share them) and
     * Reactor's parallel scheduler. The test's own clients and the analytics stand-in run on reactor-netty's
     * global loops ({@code reactor-http-*}, {@code reactor-tcp-*}) and are not the subject here.
     */
    static boolean isAppThread(String name) {
        return name.startsWith("webflux-http-") || name.startsWith("parallel-");
    }

    /**
     * A static initializer runs once per class, like class loading itself (which reads jars too): e.g.
     * Spring Messaging seeds its message-id generator from {@code SecureRandom} when the first RSocket
     * connection arrives. Not a blocking call of the request path.
     */
    private static boolean inClassInitializer() {
        for (StackTraceElement frame : Thread.currentThread().getStackTrace()) {
            if ("<clinit>".equals(frame.getMethodName())) {
                return true;
            }
        }
        return false;
    }

    /** Blocking calls seen so far: call site -> thread and stack. */
    public static Map<String, String> seen() {
        return Map.copyOf(CALLS);
    }

    static void forget(String callSitePart) {
        CALLS.keySet().removeIf(site -> site.contains(callSitePart));
    }

    private static String caller() {
        for (StackTraceElement frame : Thread.currentThread().getStackTrace()) {
            String name = frame.getClassName();
            if (!name.startsWith("java.") && !name.startsWith("jdk.") && !name.startsWith("reactor.blockhound")
                    && !name.startsWith(BlockingCalls.class.getName())) {
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
