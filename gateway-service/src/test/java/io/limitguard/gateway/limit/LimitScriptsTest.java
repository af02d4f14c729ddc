package io.limitguard.gateway.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LimitScriptsTest {

    private final LimitScripts scripts = LimitScripts.load();

    @Test
    void aCallRunsTheScriptOfExactlyItsAlgorithms() {
        LimitScript script = scripts.forCalls(List.of(
                new LimitCall("lg:{a:k}:x", new TokenBucketLimit("x", 5, 1), 1),
                new LimitCall("lg:{b:k}:y", new FixedWindowLimit("y", 5, Duration.ofMinutes(1)), 1)));

        assertThat(script.algorithms()).containsExactly("token-bucket", "fixed-window");
        assertThat(script.source()).contains("LG_ALGORITHMS['token-bucket']", "LG_ALGORITHMS['fixed-window']",
                "lua/window.lua");
        assertThat(script.source()).doesNotContain("LG_ALGORITHMS['gcra']", "LG_ALGORITHMS['sliding-window']",
                "LG_ALGORITHMS['concurrency']");
    }

    @Test
    void theTokenBucketAloneCarriesNoWindowHelpers() {
        LimitScript script = scripts.forAlgorithms(Algorithm.TOKEN_BUCKET);

        assertThat(script.source()).doesNotContain("lua/window.lua");
        assertThat(script.source()).startsWith("-- ==== lua/prelude.lua").contains("-- ==== lua/clock.lua")
                .endsWith("return reply\n\n");
    }

    @Test
    void everyMixIsItsOwnScript() {
        Set<String> shas = scripts.all().stream().map(LimitScript::sha).collect(Collectors.toSet());

        assertThat(scripts.all()).hasSize(31);
        assertThat(shas).hasSize(31);
        assertThat(scripts.forAlgorithms(Algorithm.GCRA, Algorithm.CONCURRENCY))
                .isSameAs(scripts.forAlgorithms(Algorithm.CONCURRENCY, Algorithm.GCRA));
    }

    @Test
    void anEmptyCallHasNoScript() {
        assertThatThrownBy(() -> scripts.forCalls(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
