package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.env.MapPropertySource;

/** An invalid rule stops start-up with a message naming the rule and the field. */
class RuleValidationTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(LimitGuardProperties.class)
    @Import(UnknownFieldsConfiguration.class) // as in the application: refuses a rule's unknown fields
    static class Bind {
    }

    /** What the runner's rule lacks to be valid: a tested field beside it is then the only thing wrong. */
    private static final String[] VALID_LIMIT = {"limitguard.rules[0].limits[0].capacity=5",
            "limitguard.rules[0].limits[0].refill-per-second=1"};

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bind.class)
            .withPropertyValues("limitguard.rules[0].id=api-per-client", "limitguard.rules[0].key=header:X-API-Key",
                    "limitguard.rules[0].limits[0].name=burst", "limitguard.rules[0].limits[0].algorithm=token-bucket");

    @Test
    void aValidRuleBinds() {
        runner.withPropertyValues("limitguard.rules[0].limits[0].capacity=20",
                "limitguard.rules[0].limits[0].refill-per-second=0.001").run(context -> {
                    assertThat(context).hasNotFailed();
                    RuleProperties rule = context.getBean(LimitGuardProperties.class).rules().get(0);
                    assertThat(rule.limits().get(0).refillPerSecond()).isEqualTo(0.001);
                    assertThat(rule.onFailure()).isEqualTo(RuleProperties.FailureMode.OPEN);
                    assertThat(rule.cost()).isEqualTo(1);
                });
    }

    @Test
    void negativeCapacityNamesRuleAndField() {
        assertStartupFails("rule 'api-per-client': limits[0] 'burst'.capacity: must be > 0, was -5",
                "limitguard.rules[0].limits[0].capacity=-5", "limitguard.rules[0].limits[0].refill-per-second=1");
    }

    @Test
    void nanRefillNamesRuleAndField() {
        assertStartupFails("rule 'api-per-client': limits[0] 'burst'.refill-per-second: must be a finite number > 0, was NaN",
                "limitguard.rules[0].limits[0].capacity=5", "limitguard.rules[0].limits[0].refill-per-second=NaN");
    }

    @Test
    void aGcraRateBeyondWhatWholeMicrosecondsCanSayIsNamed() {
        assertStartupFails("rule 'api-per-client': limits[0] 'burst'.rate-per-second: must be at most 1000000 for gcra "
                        + "(it counts in whole microseconds; token-bucket has no such bound), was 2000000.0",
                "limitguard.rules[0].limits[0].algorithm=gcra", "limitguard.rules[0].limits[0].rate-per-second=2000000",
                "limitguard.rules[0].limits[0].burst=10");
        runner.withPropertyValues("limitguard.rules[0].limits[0].algorithm=gcra",
                "limitguard.rules[0].limits[0].rate-per-second=1000000", "limitguard.rules[0].limits[0].burst=10")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void costAboveCapacityNamesRuleAndField() {
        assertStartupFails("rule 'api-per-client': limits[0] 'burst'.capacity: must be >= the rule's cost 10, was 5",
                "limitguard.rules[0].limits[0].capacity=5", "limitguard.rules[0].limits[0].refill-per-second=1",
                "limitguard.rules[0].cost=10");
    }

    @Test
    void aPathThatIsNoPatternAndAMisspeltMethodAreNamed() {
        assertStartupFails("rule 'api-per-client': paths[1]: 'login' is not a path pattern: must start with /",
                concat(VALID_LIMIT, new String[] {"limitguard.rules[0].paths[0]=/api/**", "limitguard.rules[0].paths[1]=login"}));
        assertStartupFails("rule 'api-per-client': paths[0]: '/users/{id' is not a path pattern: "
                        + "Expected close capture character after variable name } (at character 10)",
                concat(VALID_LIMIT, new String[] {"limitguard.rules[0].paths[0]=/users/{id"}));
        assertStartupFails("rule 'api-per-client': methods[1]: 'GTE' is not one of "
                        + "[GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT]",
                concat(VALID_LIMIT, new String[] {"limitguard.rules[0].methods[0]=post", "limitguard.rules[0].methods[1]=gte"}));
        runner.withPropertyValues(concat(VALID_LIMIT, new String[] {"limitguard.rules[0].paths[0]=/users/{id}/**",
                "limitguard.rules[0].methods[0]=post"})).run(context -> {
                    RuleProperties rule = context.getBean(LimitGuardProperties.class).rules().get(0);
                    assertThat(rule.paths()).containsExactly("/users/{id}/**");
                    assertThat(rule.methods()).containsExactly("POST");
                });
    }

    @Test
    void aMisspeltGatewayPropertyStopsStartUpNamingIt() {
        runner.withPropertyValues(concat(VALID_LIMIT, new String[] {"limitguard.redis.timout=5s", "limitguard.over-limit-cache.enable=true"}))
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .isInstanceOf(UnboundConfigurationPropertiesException.class)
                        .hasMessage("The elements [limitguard.over-limit-cache.enable,limitguard.redis.timout] were left unbound."));
        // what the gateway's other records and the other services bind is theirs to judge
        runner.withPropertyValues(concat(VALID_LIMIT, new String[] {"limitguard.redis.timeout=5s", "limitguard.admin.token=x",
                "limitguard.kafka.enabled=false", "limitguard.tls.https-port=8443", "limitguard.analytics.state-dir=/tmp/x",
                "limitguard.dashboard.anything=1"})).run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(LimitGuardProperties.class).redis().timeout()).hasSeconds(5);
                });
    }

    @Test
    void unknownKeyAndAlgorithmAreNamed() {
        assertStartupFails("rule 'api-per-client': key: 'cookie:x' is not one of ip, header:<Name>, principal, route, global",
                "limitguard.rules[0].key=cookie:x", "limitguard.rules[0].limits[0].capacity=5",
                "limitguard.rules[0].limits[0].refill-per-second=1");
        assertStartupFails("rule 'api-per-client': limits[0] 'burst'.algorithm: 'leaky' is not one of token-bucket, gcra, "
                + "sliding-window, fixed-window, concurrency",
                "limitguard.rules[0].limits[0].algorithm=leaky");
    }

    @Test
    void anIpv6PrefixOutsideItsRangeIsNamed() {
        runner.withPropertyValues("limitguard.rules[0].limits[0].capacity=5", "limitguard.rules[0].limits[0].refill-per-second=1")
                .run(context -> assertThat(context.getBean(LimitGuardProperties.class).keys().ipv6PrefixLength()).isEqualTo(64));
        new ApplicationContextRunner().withUserConfiguration(Bind.class)
                .withPropertyValues("limitguard.keys.ipv6-prefix-length=129")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessage("limitguard.keys.ipv6-prefix-length must be between 32 and 128, was 129"));
    }

    @Test
    void missingLimitsAndBadProxyAreNamed() {
        new ApplicationContextRunner().withUserConfiguration(Bind.class)
                .withPropertyValues("limitguard.rules[0].id=empty-rule", "limitguard.rules[0].key=ip")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessage("rule 'empty-rule': limits: at least one limit is required"));
        new ApplicationContextRunner().withUserConfiguration(Bind.class)
                .withPropertyValues("limitguard.trusted-proxies[0]=proxy.example.com")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessage("limitguard.trusted-proxies: 'proxy.example.com' is not an IP address or CIDR"));
    }

    @Test
    void moreLimitsOnOneRouteThanOneCallTakesNameTheRouteAndItsRules() {
        // 16 + 16 limits on route demo are allowed; one more limit, from any rule on that route, is not
        String[] full = concat(rule(0, "every", null, 16), rule(1, "demo-a", "demo", 16), rule(2, "other", "other", 16));
        new ApplicationContextRunner().withUserConfiguration(Bind.class).withPropertyValues(full)
                .run(context -> assertThat(context).hasNotFailed());
        new ApplicationContextRunner().withUserConfiguration(Bind.class)
                .withPropertyValues(concat(full, rule(3, "demo-b", "demo", 1)))
                .run(context -> assertThat(context.getStartupFailure()).rootCause().hasMessage(
                        "route 'demo': rules [every, demo-a, demo-b] put 33 limits on it; at most 32 limits may apply to one route"));
        new ApplicationContextRunner().withUserConfiguration(Bind.class)
                .withPropertyValues(concat(rule(0, "a", null, 16), rule(1, "b", null, 16), rule(2, "c", null, 1)))
                .run(context -> assertThat(context.getStartupFailure()).rootCause().hasMessage(
                        "rules [a, b, c] (no routes: every route): 33 limits on every route; at most 32 limits may apply to one route"));
    }

    /** Properties of rule {@code index}: {@code limits} token buckets, on {@code route} or (null) every route. */
    private static String[] rule(int index, String id, String route, int limits) {
        String prefix = "limitguard.rules[" + index + "].";
        java.util.List<String> properties = new java.util.ArrayList<>(java.util.List.of(prefix + "id=" + id, prefix + "key=ip"));
        if (route != null) {
            properties.add(prefix + "routes[0]=" + route);
        }
        for (int i = 0; i < limits; i++) {
            properties.addAll(java.util.List.of(prefix + "limits[" + i + "].name=l" + i, prefix + "limits[" + i + "].capacity=10",
                    prefix + "limits[" + i + "].refill-per-second=1"));
        }
        return properties.toArray(String[]::new);
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }

    @Test
    void aMisspeltFieldStopsStartUpNamingItInsteadOfBeingDropped() {
        // "mod: shadow" dropped would put the rule live in enforce mode
        runner.withPropertyValues("limitguard.rules[0].limits[0].capacity=20",
                "limitguard.rules[0].limits[0].refill-per-second=1", "limitguard.rules[0].mod=shadow").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(UnboundConfigurationPropertiesException.class) // Spring's report: value, origin
                            .hasMessage("unknown field(s) [limitguard.rules[0].mod]");
                });
        runner.withPropertyValues("limitguard.rules[0].limits[0].capacity=20",
                "limitguard.rules[0].limits[0].refill-per-second=1").run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void rulesThatReplaceTheDefaultRulesAreNotBlamedForTheDefaultsFields() {
        // application.yml's rule has routes: [demo]; a --gateway-config rule without routes replaces the whole list
        // (Spring takes a list from one source), so the default's routes[0] is no misspelt field of the user's
        var withDefaults = runner.withInitializer(context -> context.getEnvironment()
                .getPropertySources().addLast(new MapPropertySource("defaults", Map.of(
                        "limitguard.rules[0].id", "default-rule", "limitguard.rules[0].key", "ip",
                        "limitguard.rules[0].routes[0]", "demo", "limitguard.rules[0].on-failure", "open",
                        "limitguard.rules[0].limits[0].name", "hourly", "limitguard.rules[0].limits[0].capacity", "1000",
                        "limitguard.rules[0].limits[0].refill-per-second", "1",
                        "limitguard.rules[0].limits[1].name", "minute",
                        "limitguard.rules[0].limits[1].capacity", "100",
                        "limitguard.rules[0].limits[1].refill-per-second", "1"))));
        withDefaults.withPropertyValues("limitguard.rules[0].limits[0].capacity=20",
                "limitguard.rules[0].limits[0].refill-per-second=1").run(context -> {
                    assertThat(context).hasNotFailed();
                    RuleProperties rule = context.getBean(LimitGuardProperties.class).rules().get(0);
                    assertThat(rule.id()).isEqualTo("api-per-client");
                    assertThat(rule.routes()).isEmpty();
                });
        // a misspelt field in the source that supplies the rules is still refused
        withDefaults.withPropertyValues("limitguard.rules[0].limits[0].capacity=20",
                "limitguard.rules[0].limits[0].refill-per-second=1", "limitguard.rules[0].mod=shadow").run(context ->
                        assertThat(context.getStartupFailure()).rootCause()
                                .hasMessage("unknown field(s) [limitguard.rules[0].mod]"));
    }

    @Test
    void aMisspeltRequiredFieldIsNamedNotOnlyWhatItLeftMissing() {
        // the record refuses the rule before the binding ends (where unknown fields used to be looked for): the user
        // would read "at least one limit is required" about a file that plainly has limits, misspelt
        new ApplicationContextRunner().withUserConfiguration(Bind.class).withPropertyValues(
                "limitguard.rules[0].id=api", "limitguard.rules[0].ky=header:X-API-Key",
                "limitguard.rules[0].limts[0].name=burst", "limitguard.rules[0].limts[0].capacity=20",
                "limitguard.rules[0].limts[0].refill-per-second=1").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(UnboundConfigurationPropertiesException.class)
                            .hasMessage("unknown field(s) [limitguard.rules[0].ky, limitguard.rules[0].limts]; "
                                    + "rule 'api': limits: at least one limit is required");
                    UnboundConfigurationPropertiesException unbound = (UnboundConfigurationPropertiesException)
                            NestedExceptionUtils.getRootCause(context.getStartupFailure());
                    // the report Spring Boot prints lists each property with its value and origin
                    assertThat(unbound.getUnboundProperties()).extracting(property -> property.getName().toString())
                            .containsExactly("limitguard.rules[0].ky", "limitguard.rules[0].limts[0].capacity",
                                    "limitguard.rules[0].limts[0].name", "limitguard.rules[0].limts[0].refill-per-second");
                });
        assertStartupFails("unknown field(s) [limitguard.rules[0].limits[0].capacty]; "
                + "rule 'api-per-client': limits[0] 'burst'.capacity: must be > 0, was null",
                "limitguard.rules[0].limits[0].capacty=20", "limitguard.rules[0].limits[0].refill-per-second=1");
        new ApplicationContextRunner().withUserConfiguration(Bind.class)
                .withPropertyValues("limitguard.rules[0].di=x", "limitguard.rules[0].limits[0].capacity=5")
                .run(context -> assertThat(context.getStartupFailure()).rootCause().hasMessage(
                        "unknown field(s) [limitguard.rules[0].di]; rule (no id): id: is required, matching [A-Za-z0-9._-]{1,64}"));
    }

    @Test
    void aMisspeltFieldOfALaterRuleIsNamedToo() {
        // not only the first rule's: Spring's own check takes rules[1].limits[0].x for an element overridden by
        // another source once rules[0].limits exists
        String[] second = {"limitguard.rules[1].id=second", "limitguard.rules[1].limits[0].name=m",
                "limitguard.rules[1].limits[0].capacity=5", "limitguard.rules[1].limits[0].refill-per-second=1"};
        runner.withPropertyValues(concat(second, new String[] {"limitguard.rules[0].limits[0].capacity=20",
                "limitguard.rules[0].limits[0].refill-per-second=1", "limitguard.rules[1].limits[0].algoritm=gcra"}))
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessage("unknown field(s) [limitguard.rules[1].limits[0].algoritm]"));
        runner.withPropertyValues(concat(second, new String[] {"limitguard.rules[0].limits[0].capacity=20",
                "limitguard.rules[0].limits[0].refill-per-second=1"})).run(context -> assertThat(context).hasNotFailed());
    }

    private void assertStartupFails(String message, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessage(message);
        });
    }
}
