package io.limitguard.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class JsonSerdeTest {

    private final JsonSerde.DecisionEventSerde serde = new JsonSerde.DecisionEventSerde();

    private static DecisionEvent sample() {
        return new DecisionEvent(DecisionEvent.VERSION, "e-1", "r-1", 1_700_000_000_123L, "gw-1", "demo",
                "api-per-client", "client-a", Outcome.BLOCKED, "burst", 0, 20, 1, 850);
    }

    @Test
    void roundTripsEveryField() {
        byte[] bytes = serde.serialize(Topics.DECISIONS, sample());
        assertThat(serde.deserialize(Topics.DECISIONS, bytes)).isEqualTo(sample());
    }

    @Test
    void writesTheDocumentedFieldNames() {
        String json = new String(serde.serialize(Topics.DECISIONS, sample()), StandardCharsets.UTF_8);
        assertThat(json).contains("\"v\":1", "\"eventId\":\"e-1\"", "\"requestId\":\"r-1\"",
                "\"timestamp\":1700000000123", "\"instanceId\":\"gw-1\"", "\"routeId\":\"demo\"",
                "\"ruleId\":\"api-per-client\"", "\"key\":\"client-a\"", "\"outcome\":\"BLOCKED\"",
                "\"policy\":\"burst\"", "\"remaining\":0", "\"limit\":20", "\"cost\":1", "\"latencyMicros\":850");
    }

    @Test
    void ignoresUnknownFieldsFromNewerWriters() {
        String json = """
                {"v":2,"eventId":"e","requestId":"r","timestamp":5,"instanceId":"i","routeId":"x","ruleId":"y",
                 "key":"k","outcome":"ALLOWED","policy":"p","remaining":3,"limit":4,"cost":1,"latencyMicros":9,
                 "region":"eu-west-1"}""";
        DecisionEvent event = serde.deserialize(Topics.DECISIONS, json.getBytes(StandardCharsets.UTF_8));
        assertThat(event.v()).isEqualTo(2);
        assertThat(event.outcome()).isEqualTo(Outcome.ALLOWED);
        assertThat(event.remaining()).isEqualTo(3);
    }

    @Test
    void malformedBytesAreACatchableSerializationException() {
        assertThatThrownBy(() -> serde.deserialize(Topics.DECISIONS, "not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Malformed DecisionEvent");
        assertThatThrownBy(() -> serde.deserialize(Topics.DECISIONS,
                "{\"eventId\":\"e\",\"outcome\":\"NOPE\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void missingRequiredFieldsAreRejected() {
        assertThatThrownBy(() -> serde.deserialize(Topics.DECISIONS, "{\"v\":1}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void countsUpdateRoundTripsAndKeysByDimension() {
        var counts = OutcomeCounts.ZERO.plus(Outcome.ALLOWED, 3).plus(Outcome.BLOCKED, 1);
        var update = new CountsUpdate(CountsUpdate.VERSION, CountsUpdate.Dimension.ROUTE, "demo", "1s", 1000, 2000, counts);
        var countsSerde = new JsonSerde.CountsUpdateSerde();
        assertThat(countsSerde.deserialize(Topics.COUNTS, countsSerde.serialize(Topics.COUNTS, update))).isEqualTo(update);
        assertThat(update.topicKey()).isEqualTo("route:demo");
        assertThat(counts.total()).isEqualTo(4);
        assertThat(counts.blockRate()).isEqualTo(0.25);
    }
}
