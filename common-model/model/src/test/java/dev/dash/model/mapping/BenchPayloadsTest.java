package dev.dash.model.mapping;

import static dev.dash.model.mapping.MappingTestSupport.RECEIVED;
import static dev.dash.model.mapping.MappingTestSupport.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The payloads and mappings the JMH benchmark runs map successfully, to the points a reader would expect. */
class BenchPayloadsTest {

    static MappingResult map(String name) {
        CompiledMapping m = MappingCompiler.compile(
                new String(resource("/bench/" + name + ".mapping.json"), StandardCharsets.UTF_8));
        MappingResult r =
                m.apply(EventInput.ofBytes(UUID.randomUUID(), RECEIVED, resource("/bench/" + name + ".json")));
        assertThat(r.errors()).isEmpty();
        return r;
    }

    static Map<String, Double> values(MappingResult r) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        r.points().forEach(p -> out.put(p.metric(), p.value()));
        return out;
    }

    @Test
    void githubPush() {
        MappingResult r = map("github-push");

        assertThat(values(r))
                .containsExactly(
                        Map.entry("commits", 3.0),
                        Map.entry("files_changed", 2.0),
                        Map.entry("forced", 0.0),
                        Map.entry("repo_size_mb", 2.77),
                        Map.entry("stars", 57.0),
                        Map.entry("open_issues", 4.0));
        assertThat(r.points().get(0).labels())
                .containsExactly(
                        Map.entry("branch", "main"),
                        Map.entry("language", "Java"),
                        Map.entry("pusher", "ada-l"),
                        Map.entry("repository", "dash-dev/pipeline-demo"));
        assertThat(r.points().get(0).time()).isEqualTo(Instant.parse("2026-11-21T09:12:02Z"));
    }

    @Test
    void stripeInvoicePaid() {
        MappingResult r = map("stripe-invoice-paid");

        assertThat(values(r))
                .containsExactly(
                        Map.entry("amount_paid", 76.16),
                        Map.entry("amount_due", 76.16),
                        Map.entry("subtotal", 64.0),
                        Map.entry("tax", 12.16),
                        Map.entry("total", 76.16),
                        Map.entry("attempts", 1.0),
                        Map.entry("line_items", 2.0));
        assertThat(r.points().get(0).labels())
                .containsExactly(
                        Map.entry("billing_reason", "subscription_cycle"),
                        Map.entry("country", "DE"),
                        Map.entry("currency", "EUR"),
                        Map.entry("mode", "test"),
                        Map.entry("plan", "prod_RqAsDfGhJkLz"));
        assertThat(r.points().get(0).time()).isEqualTo(Instant.ofEpochSecond(1763726405));
    }

    @Test
    void iotReading() {
        MappingResult r = map("iot-reading");

        assertThat(r.points()).hasSize(44);
        assertThat(r.points().get(0).labels()).containsOnlyKeys("device_id", "site", "zone", "model", "firmware");
        assertThat(r.points().get(0).time()).isEqualTo(Instant.parse("2026-11-21T10:15:30.250Z"));
        assertThat(r.records().get(0).values().size()).isEqualTo(49);
    }
}
