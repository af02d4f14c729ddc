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
 * Demo requests through the gateway so the dashboard moves. The demo rule has two buckets per key: a
 * burst of 20 refilling at 10/s and an hourly 1000 refilling at 0.2778/s. The allowed users take turns
 * (one request every 500 ms in all, each user one every 4 s = 0.25/s), below the hourly refill, so
 * {@code alice} and {@code bob} stay allowed however long the stack runs and a hand-typed
 * {@code curl -H 'X-API-Key: alice'} still shows the burst headers of the README. {@code mallory} at
 * 50/s overruns both buckets and mostly gets 429s.
 */
final class DemoTraffic implements AutoCloseable {

    /** Take turns; each gets one request every {@code 5 * ALLOWED.length} ticks of 100 ms (4 s). */
    static final String[] ALLOWED = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};

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
        if (tick % 5 == 0) {
            send(ALLOWED[(int) (tick / 5 % ALLOWED.length)]);
        }
        for (int i = 0; i < 5; i++) {
            send("mallory");
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
