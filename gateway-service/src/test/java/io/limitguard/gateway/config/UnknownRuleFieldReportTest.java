package io.limitguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * What a user reads when a rules file has a misspelt key: Spring Boot's start-up failure report, from a file
 * given as the launcher and the docs give it ({@code --spring.config.additional-location}), over application.yml's
 * default rule.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnknownRuleFieldReportTest {

    @Test
    void theReportNamesTheMisspeltKeyItsLineAndWhatItLeftMissing(@TempDir Path dir, CapturedOutput output)
            throws Exception {
        Path rules = Files.writeString(dir.resolve("my-rules.yml"), """
                limitguard:
                  rules:
                    - id: api
                      key: ip
                      limts:
                        - name: burst
                          capacity: 20
                          refill-per-second: 1
                """);
        assertThatThrownBy(() -> new SpringApplicationBuilder(RuleValidationTest.Bind.class)
                .web(WebApplicationType.NONE).run("--spring.config.additional-location=file:" + rules))
                .isInstanceOf(Exception.class);
        assertThat(output).contains("Property: limitguard.rules[0].limts[0].name", "my-rules.yml] - 6:17",
                "Reason: unknown field(s) [limitguard.rules[0].limts]; rule 'api': limits: at least one limit is required");
    }
}
