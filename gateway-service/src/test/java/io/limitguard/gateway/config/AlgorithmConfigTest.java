package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.gateway.limit.ConcurrencyLimit;
import io.limitguard.gateway.limit.FixedWindowLimit;
import io.limitguard.gateway.limit.GcraLimit;
import io.limitguard.gateway.limit.SlidingWindowLimit;
import io.limitguard.gateway.rules.RuleSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** The configuration names of GCRA, the windows and concurrency bind to their limits; mistakes stop start-up naming rule and field. */
class AlgorithmConfigTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(LimitGuardProperties.class)
    static class Bind {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bind.class)
            .withPropertyValues("limitguard.rules[0].id=mixed", "limitguard.rules[0].key=header:X-API-Key");

    @Test
    void everyAlgorithmBindsFromTheNamesUsersWrite() {
        runner.withPropertyValues(
                "limitguard.rules[0].limits[0].name=smooth", "limitguard.rules[0].limits[0].algorithm=gcra",
                "limitguard.rules[0].limits[0].rate-per-second=5", "limitguard.rules[0].limits[0].burst=10",
                "limitguard.rules[0].limits[1].name=minute", "limitguard.rules[0].limits[1].algorithm=sliding-window",
                "limitguard.rules[0].limits[1].limit=100", "limitguard.rules[0].limits[1].window=1m",
                "limitguard.rules[0].limits[2].name=hourly", "limitguard.rules[0].limits[2].algorithm=fixed-window",
                "limitguard.rules[0].limits[2].limit=1000", "limitguard.rules[0].limits[2].window=1h",
                "limitguard.rules[0].limits[3].name=inflight", "limitguard.rules[0].limits[3].algorithm=concurrency",
                "limitguard.rules[0].limits[3].max-in-flight=5",
                "limitguard.rules[0].limits[4].name=slow", "limitguard.rules[0].limits[4].algorithm=concurrency",
                "limitguard.rules[0].limits[4].max-in-flight=2", "limitguard.rules[0].limits[4].lease=5m")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RuleSet rules = RuleSet.from(context.getBean(LimitGuardProperties.class));
                    assertThat(rules.all().get(0).limits()).containsExactly(
                            new GcraLimit("smooth", 5, 10),
                            new SlidingWindowLimit("minute", 100, Duration.ofMinutes(1)),
                            new FixedWindowLimit("hourly", 1000, Duration.ofHours(1)),
                            new ConcurrencyLimit("inflight", 5, Duration.ofSeconds(60)),
                            new ConcurrencyLimit("slow", 2, Duration.ofMinutes(5)));
                });
    }

    @Test
    void costAboveTheGcraBurstIsAStartUpErrorNamingRuleAndField() {
        assertStartupFails("rule 'mixed': limits[0] 'smooth'.burst: must be >= the rule's cost 3, was 2",
                "limitguard.rules[0].cost=3", "limitguard.rules[0].limits[0].name=smooth",
                "limitguard.rules[0].limits[0].algorithm=gcra", "limitguard.rules[0].limits[0].rate-per-second=5",
                "limitguard.rules[0].limits[0].burst=2");
    }

    @Test
    void badParametersAreNamed() {
        assertStartupFails("rule 'mixed': limits[0] 'smooth'.rate-per-second: must be a finite number > 0, was -1.0; "
                        + "limits[0] 'smooth'.burst: must be > 0, was null",
                "limitguard.rules[0].limits[0].name=smooth", "limitguard.rules[0].limits[0].algorithm=gcra",
                "limitguard.rules[0].limits[0].rate-per-second=-1");
        assertStartupFails("rule 'mixed': limits[0] 'w'.window: must be a duration between 1ms and 11574d "
                        + "(e.g. 1s, 1m, 1h), was null",
                "limitguard.rules[0].limits[0].name=w", "limitguard.rules[0].limits[0].algorithm=fixed-window",
                "limitguard.rules[0].limits[0].limit=5");
        assertStartupFails("rule 'mixed': limits[0] 'w'.limit: must be >= the rule's cost 9, was 5",
                "limitguard.rules[0].cost=9", "limitguard.rules[0].limits[0].name=w",
                "limitguard.rules[0].limits[0].algorithm=sliding-window", "limitguard.rules[0].limits[0].limit=5",
                "limitguard.rules[0].limits[0].window=1s");
        assertStartupFails("rule 'mixed': limits[0] 'c'.max-in-flight: must be between 1 and 999999999999999, was 0",
                "limitguard.rules[0].limits[0].name=c", "limitguard.rules[0].limits[0].algorithm=concurrency",
                "limitguard.rules[0].limits[0].max-in-flight=0");
    }

    @Test
    void quotasAndFillTimesTheScriptsCannotKeepAreNamed() {
        // RateLimit-Policy's q is a structured-field integer: at most 15 digits
        assertStartupFails("rule 'mixed': limits[0] 'b'.capacity: must be at most 999999999999999, was 1000000000000000",
                "limitguard.rules[0].limits[0].name=b", "limitguard.rules[0].limits[0].capacity=1000000000000000",
                "limitguard.rules[0].limits[0].refill-per-second=1000000000");
        // the time to fill from empty sets the key's expiry: beyond 1e9 s Redis would refuse it
        assertStartupFails("rule 'mixed': limits[0] 'b'.capacity / refill-per-second: filling from empty must take at most "
                        + "1e9 seconds, takes 1000000000000 s",
                "limitguard.rules[0].limits[0].name=b", "limitguard.rules[0].limits[0].capacity=1000000",
                "limitguard.rules[0].limits[0].refill-per-second=0.000001");
        assertStartupFails("rule 'mixed': limits[0] 's'.burst / rate-per-second: filling from empty must take at most "
                        + "1e9 seconds, takes 2000000000 s",
                "limitguard.rules[0].limits[0].name=s", "limitguard.rules[0].limits[0].algorithm=gcra",
                "limitguard.rules[0].limits[0].burst=2000", "limitguard.rules[0].limits[0].rate-per-second=0.000001");
    }

    @Test
    void aParameterOfAnotherAlgorithmIsAMistakeNotIgnored() {
        assertStartupFails("rule 'mixed': limits[0] 'c'.capacity: does not apply to algorithm concurrency",
                "limitguard.rules[0].limits[0].name=c", "limitguard.rules[0].limits[0].algorithm=concurrency",
                "limitguard.rules[0].limits[0].max-in-flight=3", "limitguard.rules[0].limits[0].capacity=3");
    }

    @Test
    void aCostHeaderNeedsAMaxCostThatEveryLimitHolds() {
        assertStartupFails("rule 'mixed': max-cost: required with cost-header, >= cost 1, was null",
                "limitguard.rules[0].cost-header=X-Cost", "limitguard.rules[0].limits[0].name=b",
                "limitguard.rules[0].limits[0].capacity=10", "limitguard.rules[0].limits[0].refill-per-second=1");
        assertStartupFails("rule 'mixed': limits[0] 'b'.capacity: must be >= the rule's max-cost 50, was 10",
                "limitguard.rules[0].cost-header=X-Cost", "limitguard.rules[0].max-cost=50",
                "limitguard.rules[0].limits[0].name=b", "limitguard.rules[0].limits[0].capacity=10",
                "limitguard.rules[0].limits[0].refill-per-second=1");
        assertStartupFails("rule 'mixed': cost-header: 'X Cost' is not a valid header name",
                "limitguard.rules[0].cost-header=X Cost", "limitguard.rules[0].max-cost=5",
                "limitguard.rules[0].limits[0].name=b", "limitguard.rules[0].limits[0].capacity=10",
                "limitguard.rules[0].limits[0].refill-per-second=1");
    }

    @Test
    void aShortOrEmptyAdminTokenStopsStartUp() {
        for (String token : new String[] {"", "   ", "short-token"}) {
            new ApplicationContextRunner().withUserConfiguration(AdminBind.class)
                    .withPropertyValues("limitguard.admin.token=" + token)
                    .run(context -> assertThat(context.getStartupFailure()).rootCause()
                            .hasMessage("limitguard.admin.token must have at least 16 characters"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(io.limitguard.gateway.admin.AdminProperties.class)
    static class AdminBind {
    }

    @Test
    void aWindowThatIsNotADurationIsNamed() {
        runner.withPropertyValues("limitguard.rules[0].limits[0].name=w",
                "limitguard.rules[0].limits[0].algorithm=fixed-window", "limitguard.rules[0].limits[0].limit=5",
                "limitguard.rules[0].limits[0].window=soon")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("limitguard.rules[0].limits[0].window");
                });
    }

    private void assertStartupFails(String message, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessage(message);
        });
    }
}
