package io.limitguard.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limitguard.gateway.config.RuleProperties;
import org.junit.jupiter.api.Test;

class RuleCodecUnknownFieldTest {

    @Test
    void aMisspeltFieldIsRefusedNotIgnored() {
        assertThatThrownBy(() -> RuleCodec.read("""
                {"routes":["demo"],"key":"ip","mod":"shadow",
                 "limits":[{"name":"b","algorithm":"token-bucket","capacity":5,"refill-per-second":1,"burst-size":9}]}""",
                "trial"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rule 'trial': unknown field(s) [limits[0].burst-size, mod]");
    }

    @Test
    void aMisspeltRequiredFieldIsNamedBeforeWhatItLeftMissing() {
        // the record refuses the rule ("limits: at least one limit is required") before the binding ends; the user
        // must read which key no field takes, not only about limits a body plainly has, misspelt
        assertThatThrownBy(() -> RuleCodec.read("""
                {"ky":"ip","limts":[{"name":"b","algorithm":"token-bucket","capacity":5,"refill-per-second":1}]}""",
                "r1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rule 'r1': unknown field(s) [ky, limts]; limits: at least one limit is required");
        assertThatThrownBy(() -> RuleCodec.read("""
                {"id":"r2","limits":[{"name":"b","capacity":5,"refill-per-second":1},
                                     {"name":"s","algorithm":"gcra","rate-per-second":5,"brust":10}]}""", null))
                .hasMessage("rule 'r2': unknown field(s) [limits[1].brust]; limits[1] 's'.burst: must be > 0, was null");
    }

    @Test
    void aRuleWithoutAnIdIsNamedAsSuchNotAsNull() {
        String limits = "\"limits\":[{\"name\":\"b\",\"capacity\":5,\"refill-per-second\":1}]";
        assertThatThrownBy(() -> RuleCodec.read("{" + limits + "}", null))
                .hasMessage("rule (no id): id: is required, matching [A-Za-z0-9._-]{1,64}");
        assertThatThrownBy(() -> RuleCodec.read("{\"di\":\"r3\"," + limits + "}", null))
                .hasMessage("rule (no id): unknown field(s) [di]; id: is required, matching [A-Za-z0-9._-]{1,64}");
    }

    @Test
    void everyDocumentedFieldStillBinds() {
        RuleProperties rule = RuleCodec.read("""
                {"id":"all","routes":["demo"],"paths":["/demo/login","/demo/users/{id}/**"],"methods":["post","PUT"],
                 "key":"header:X-API-Key","mode":"shadow","on-failure":"local",
                 "cost":1,"cost-header":"X-Cost","max-cost":5,
                 "limits":[{"name":"b","algorithm":"token-bucket","capacity":20,"refill-per-second":10},
                           {"name":"s","algorithm":"gcra","rate-per-second":5,"burst":10},
                           {"name":"m","algorithm":"sliding-window","limit":100,"window":"1m"},
                           {"name":"h","algorithm":"fixed-window","limit":1000,"window":"1h"},
                           {"name":"i","algorithm":"concurrency","max-in-flight":5,"lease":"60s"}]}""", null);
        assertThat(rule.limits()).hasSize(5);
        assertThat(rule.methods()).containsExactly("POST", "PUT");
        assertThat(RuleCodec.read(RuleCodec.write(rule))).isEqualTo(rule); // what the store keeps reads back
    }

    @Test
    void durationsComeBackInTheLargestUnitThatSaysThemExactly() {
        RuleProperties rule = RuleCodec.read("""
                {"id":"d","limits":[{"name":"a","algorithm":"fixed-window","limit":1,"window":"1h"},
                                    {"name":"b","algorithm":"sliding-window","limit":1,"window":"90s"},
                                    {"name":"c","algorithm":"fixed-window","limit":1,"window":"1500ms"},
                                    {"name":"e","algorithm":"fixed-window","limit":1,"window":"2d"},
                                    {"name":"f","algorithm":"concurrency","max-in-flight":1,"lease":"120s"}]}""", null);
        assertThat(RuleCodec.write(rule))
                .contains("\"window\":\"1h\"", "\"window\":\"90s\"", "\"window\":\"1500ms\"", "\"window\":\"2d\"",
                        "\"lease\":\"2m\"");
        assertThat(RuleCodec.read(RuleCodec.write(rule))).isEqualTo(rule);
    }
}
