package io.limitguard.launcher;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Demo requests through the gateway so the dashboard moves: {@code alice} at 1 request/s and {@code bob}
 * at about 3/s stay within the demo rule (token bucket, 10/s); {@code mallory} at 50/s overruns it and
 * mostly gets 429s.
 */
final class DemoTraffic implements AutoCloseable {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-traffic");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI target;
    private long tick;

    private DemoTraffic(URI target) {
        this.target = target;
    }

    static DemoTraffic start(int gatewayPort) {
        DemoTraffic traffic = new DemoTraffic(URI.create("http://127.0.0.1:" + gatewayPort + "/demo/hello"));
        traffic.scheduler.scheduleAtFixedRate(traffic::tick, 0, 100, TimeUnit.MILLISECONDS);
        return traffic;
    }

    private void tick() {
        tick++;
        if (tick % 10 == 0) {
            send("alice");
        }
        for (int i = 0; i < 5; i++) {
            send("mallory");
        }
        if (tick % 3 == 0) {
            send("bob");
        }
    }

    private void send(String apiKey) {
        HttpRequest request = HttpRequest.newBuilder(target).header("X-API-Key", apiKey)
                .timeout(Duration.ofSeconds(5)).build();
        // Fire and forget: the answers show up on the dashboard; a stopped gateway just means errors here.
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
