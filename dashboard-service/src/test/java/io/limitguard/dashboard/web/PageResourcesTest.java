package io.limitguard.dashboard.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.dashboard.DashboardIntegrationTest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/** The page and everything it loads come from the app itself: no CDN, no unresolved placeholders. */
class PageResourcesTest extends DashboardIntegrationTest {

    @Test
    void pageAndItsScriptsAndStylesAreServedByTheApp() {
        String html = client.get().uri("/").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectBody(String.class).returnResult().getResponseBody();

        assertThat(html).doesNotContain("@uplot.version@").doesNotContain("http://").doesNotContain("https://");
        Matcher assets = Pattern.compile("(?:src|href)=\"(/[^\"]+)\"").matcher(html);
        int count = 0;
        while (assets.find()) {
            client.get().uri(assets.group(1)).exchange().expectStatus().isOk();
            count++;
        }
        assertThat(count).as("uPlot js + css, dashboard js + css").isEqualTo(4);
        assertThat(html).contains("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");
    }
}
