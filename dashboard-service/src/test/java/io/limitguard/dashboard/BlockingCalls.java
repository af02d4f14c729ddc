package io.limitguard.dashboard;

import io.limitguard.testsupport.BlockingCallLog;
import java.util.Map;
import reactor.blockhound.BlockHound;

/**
 * BlockHound over every integration test of this module: a blocking call on a Netty event loop or a
 * Reactor non-blocking thread of the app is recorded (call site and stack), and
 * {@link DashboardIntegrationTest} fails the test class that made it. Recording rather than throwing keeps the failure readable.
 */
public final class BlockingCalls {

    private static final BlockingCallLog CALLS = new BlockingCallLog(BlockingCalls.class);
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
                        CALLS.record(method);
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
        return CALLS.seen();
    }

    static void forget(String callSitePart) {
        CALLS.forget(callSitePart);
    }
}
