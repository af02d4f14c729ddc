package io.limitguard.dashboard.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limitguard.dashboard.DashboardIntegrationTest;
import io.limitguard.dashboard.TestInfra;
import io.limitguard.events.CountsUpdate;
import io.limitguard.events.OutcomeCounts;
import io.limitguard.testsupport.Fixtures;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;

/**
 * The page in real headless Chromium (Debian's {@code chromium} + {@code chromium-driver}): live
 * counts fed through Kafka reach the route cards and charts, top blocked keys and history come from
 * the analytics stand-in through the pass-through, and the page shows and recovers from a lost
 * connection on its own. Saves {@code target/dashboard.png}.
 */
class DashboardPageBrowserTest extends DashboardIntegrationTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(30);

    ChromeDriver browser;
    TcpCutter network;
    Path profile;

    @BeforeEach
    void openBrowser() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Browser test skipped: needs " + CHROMIUM + " and " + CHROMEDRIVER
                        + " (Debian packages chromium and chromium-driver; .ci/run installs them)");
        profile = Files.createTempDirectory("dashboard-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1440,1800");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1440, 1800));
        network = new TcpCutter(Fixtures.freePort(), port);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
        if (network != null) {
            network.close();
        }
    }

    private String page() {
        return "http://127.0.0.1:" + network.port() + "/";
    }

    private String connection() {
        return browser.findElement(By.tagName("body")).getDomAttribute("data-connection");
    }

    private int points(String route) {
        List<WebElement> cards = browser.findElements(By.cssSelector("article.card[data-route='" + route + "']"));
        return cards.isEmpty() ? 0 : Integer.parseInt(cards.get(0).getDomAttribute("data-points"));
    }

    @Test
    void showsLiveCountsTopBlockedKeysFailureModeAndHistory() throws Exception {
        browser.get(page());
        await().atMost(WAIT).until(() -> "live".equals(connection()));

        // One minute of 1 s windows, second by second as the analytics service emits them (a burst far
        // beyond the subscriber buffer would rightly lose old points on a slow machine).
        long now = System.currentTimeMillis() / 1000 * 1000;
        for (int i = 59; i >= 0; i--) {
            long start = now - i * 1000L;
            boolean burst = i >= 20 && i < 34; // a client hammering demo a little while ago
            TestInfra.sendAll(List.of(
                    update(CountsUpdate.Dimension.ROUTE, "demo", start, new OutcomeCounts(
                            170 + Math.round(25 * Math.sin(i / 6.0)), burst ? 55 + (i * 7) % 15 : 10 + (i * 7) % 6,
                            0, 0, 0, 0, 0)),
                    // checkout: Redis trouble in the last seconds, the gateway failed open
                    update(CountsUpdate.Dimension.ROUTE, "checkout", start,
                            new OutcomeCounts(i < 6 ? 0 : 90 + (i * 5) % 9, i < 6 ? 0 : 4, 0, i < 6 ? 95 : 0, 0, 0, 0)),
                    // search: limited by the in-process fallback for a while (on-failure: local)
                    update(CountsUpdate.Dimension.ROUTE, "search", start, i < 8
                            ? new OutcomeCounts(0, 0, 0, 0, 0, 60, 12)
                            : new OutcomeCounts(62 + (i * 3) % 7, 11, 0, 0, 0, 0, 0)),
                    update(CountsUpdate.Dimension.RULE, "api-per-client", start,
                            new OutcomeCounts(150, 25, 0, 0, 0, 0, 0))));
            int expected = 60 - i;
            // Live: every update reaches the page and its chart.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                    .until(() -> points("demo") == expected && points("checkout") == expected && points("search") == expected);
        }
        WebElement demo = browser.findElement(By.cssSelector("article.card[data-route='demo']"));
        assertThat(demo.findElement(By.cssSelector("[data-figure=allowed]")).getText()).isEqualTo("170");
        assertThat(demo.findElement(By.cssSelector("[data-figure=blocked]")).getText()).isEqualTo("10");
        assertThat(demo.findElement(By.cssSelector("[data-figure=rate]")).getText()).isEqualTo("5.6 %"); // 10 / 180
        assertThat(demo.findElements(By.cssSelector(".uplot canvas"))).isNotEmpty();
        assertThat(browser.findElement(By.cssSelector("article.card[data-route='checkout'] .badge")).getText())
                .isEqualToIgnoringCase("failed-open");
        assertThat(browser.findElement(By.cssSelector("article.card[data-route='search'] .badge")).getText())
                .isEqualToIgnoringCase("local counts");

        // Failure mode: one row per route and rule.
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(browser.findElement(By.cssSelector("#failure-modes tr[data-key='route:checkout']")).getText())
                    .containsIgnoringCase("failed-open").contains("570"); // 6 windows x 95 failed-open within the last 10 s
            assertThat(browser.findElement(By.cssSelector("#failure-modes tr[data-key='route:demo']")).getText())
                    .containsIgnoringCase("normal");
            assertThat(browser.findElement(By.cssSelector("#failure-modes tr[data-key='route:search']")).getText())
                    .containsIgnoringCase("local counts").endsWith("576"); // 8 windows x 72 local decisions
            assertThat(browser.findElements(By.cssSelector("#failure-modes tr[data-key='rule:api-per-client']"))).hasSize(1);
        });

        // The minutes before the first live update were filled from history (1 s windows up to it).
        assertThat(TestInfra.analytics().requests()).contains("/api/v1/block-rate?route=demo&from="
                + Instant.ofEpochMilli(now - 179_000) + "&to=" + Instant.ofEpochMilli(now - 59_000) + "&step=1s");

        // Top blocked keys, polled from the analytics stand-in through the pass-through.
        await().atMost(WAIT).untilAsserted(() -> {
            List<WebElement> rows = browser.findElements(By.cssSelector("#top-blocked tbody tr"));
            assertThat(rows).hasSize(3);
            assertThat(rows.get(0).getText()).contains("client-a").contains("42");
        });

        // History: route demo, last 15 minutes at 1 min steps.
        WebElement id = browser.findElement(By.id("history-id"));
        id.clear();
        id.sendKeys("demo");
        new Select(browser.findElement(By.id("history-range"))).selectByValue("900");
        new Select(browser.findElement(By.id("history-step"))).selectByValue("1m");
        browser.findElement(By.id("history-load")).click();

        await().atMost(WAIT).until(() -> browser.findElement(By.id("history-table")).getDomAttribute("data-rows") != null);
        String request = TestInfra.analytics().requests().stream()
                .filter(uri -> uri.startsWith("/api/v1/block-rate?route=demo")).reduce((a, b) -> b).orElseThrow();
        QueryStringDecoder query = new QueryStringDecoder(request);
        Instant from = Instant.parse(query.parameters().get("from").get(0));
        Instant to = Instant.parse(query.parameters().get("to").get(0));
        assertThat(query.parameters().get("step")).containsExactly("1m");
        assertThat(from.getEpochSecond() % 60).isZero();
        assertThat(to.getEpochSecond() % 60).isZero();
        int windows = (int) Duration.between(from, to).toMinutes();
        // Whole minutes, and never earlier than 15 minutes ago (analytics refuses a from beyond retention).
        assertThat(windows).isEqualTo(15);
        List<WebElement> rows = browser.findElements(By.cssSelector("#history-table tbody tr"));
        assertThat(rows).hasSize(windows);
        // Newest first: the stand-in's last window.
        OutcomeCounts newest = io.limitguard.dashboard.StandInAnalytics.countsOfWindow(windows - 1);
        List<WebElement> cells = rows.get(0).findElements(By.tagName("td"));
        assertThat(cells.get(1).getText()).isEqualTo(Long.toString(newest.allowed()));
        assertThat(cells.get(2).getText()).isEqualTo(Long.toString(newest.blocked()));
        assertThat(cells.get(7).getText()).isEqualTo(Long.toString(newest.total()));
        assertThat(browser.findElements(By.cssSelector("#history-chart .uplot canvas"))).isNotEmpty();
        assertThat(browser.findElement(By.id("history-status")).getText()).contains(windows + " windows");

        Path screenshot = Path.of("target", "dashboard.png");
        Files.createDirectories(screenshot.getParent());
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), screenshot, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    @Test
    void showsALostConnectionAndRecoversOnItsOwn() {
        browser.get(page());
        await().atMost(WAIT).until(() -> "live".equals(connection()));

        network.down();
        await().atMost(WAIT).until(() -> !"live".equals(connection()));
        assertThat(connection()).isIn("reconnecting", "disconnected");
        assertThat(browser.findElement(By.id("offline-banner")).isDisplayed()).isTrue();

        network.up();
        await().atMost(WAIT).until(() -> "live".equals(connection()));
        assertThat(browser.findElement(By.id("offline-banner")).isDisplayed()).isFalse();

        // The new stream delivers again.
        String route = uniqueRoute("back");
        long now = System.currentTimeMillis() / 1000 * 1000;
        await().atMost(WAIT).untilAsserted(() -> {
            TestInfra.send(update(CountsUpdate.Dimension.ROUTE, route, now, new OutcomeCounts(5, 1, 0, 0, 0, 0, 0)));
            assertThat(points(route)).isPositive();
        });
    }

    private static CountsUpdate update(CountsUpdate.Dimension dimension, String id, long start, OutcomeCounts counts) {
        return new CountsUpdate(CountsUpdate.VERSION, dimension, id, "1s", start, start + 1000, counts);
    }
}
