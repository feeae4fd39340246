package dev.dash.model.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.inference.FieldSuggestion.Role;
import dev.dash.model.json.Json;
import dev.dash.model.mapping.FieldType;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.Point;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SchemaInferenceTest {

    static JsonNode json(String singleQuoted) {
        try {
            return Json.parse(singleQuoted.replace('\'', '"'));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] resource(String name) {
        try (InputStream in = SchemaInferenceTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Role> roles(InferenceResult r) {
        return r.fields().stream().collect(Collectors.toMap(FieldSuggestion::path, FieldSuggestion::role));
    }

    @Test
    void numericLeavesBecomeMetricsLowCardinalityStringsLabelsAndATimestampTheTime() {
        List<JsonNode> samples = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            samples.add(json("{'ts':'2026-11-21T10:" + (10 + i) + ":00Z','device':{'id':'dev-" + i + "','site':'plant-"
                    + (i % 3)
                    + "'},'temp':" + (20 + i * 0.5) + ",'count':" + i + ",'status':'" + (i % 2 == 0 ? "ok" : "warn")
                    + "','note':'operator wrote a long free text comment number " + i + "','url':'https://x.example/"
                    + i + "','user_id':" + i + "}"));
        }

        InferenceResult r = SchemaInference.infer(samples);

        assertThat(roles(r))
                .containsEntry("/ts", Role.TIME)
                .containsEntry("/temp", Role.METRIC)
                .containsEntry("/count", Role.METRIC)
                .containsEntry("/device/site", Role.LABEL)
                .containsEntry("/status", Role.LABEL)
                .containsEntry("/device/id", Role.IGNORED)
                .containsEntry("/note", Role.IGNORED)
                .containsEntry("/url", Role.IGNORED)
                .containsEntry("/user_id", Role.IGNORED);
        assertThat(r.mapping().get("time").get("format").textValue()).isEqualTo("iso8601");
        assertThat(r.compiled().metrics()).containsExactly("temp", "count");
        assertThat(r.compiled().labels()).containsExactly("site", "status");
        assertThat(r.fields().stream()
                        .filter(f -> f.path().equals("/count"))
                        .findFirst()
                        .orElseThrow()
                        .type())
                .isEqualTo(FieldType.INTEGER);
        assertThat(r.preview().mapped()).isEqualTo(20);
        assertThat(r.preview().quarantined()).isZero();
        Point first = r.preview().entries().get(0).result().points().get(0);
        assertThat(first.time()).isEqualTo(Instant.parse("2026-11-21T10:10:00Z"));
        assertThat(first.labels()).containsExactly(Map.entry("site", "plant-0"), Map.entry("status", "ok"));
    }

    @Test
    void theProposalIsAValidMappingDocument() {
        InferenceResult r = SchemaInference.inferFromBodies(List.of(
                resource("/bench/github-push.json"),
                resource("/bench/stripe-invoice-paid.json"),
                "not json".getBytes(StandardCharsets.UTF_8)));

        assertThat(MappingCompiler.compile(r.mapping().toString()).metrics())
                .isEqualTo(r.compiled().metrics());
        assertThat(r.samples()).isEqualTo(3);
        assertThat(r.unusable()).isEqualTo(1);
        assertThat(r.preview().quarantined()).isZero();
        assertThat(r.mapping().get("fields"))
                .allSatisfy(f -> assertThat(f.get("name").textValue()).matches("[A-Za-z_][A-Za-z0-9_.]*"));
    }

    @Test
    void githubPushGivesRepositoryMetricsAndEpochTimesAreRecognised() {
        InferenceResult r = SchemaInference.inferFromBodies(List.of(resource("/bench/github-push.json")));

        assertThat(r.compiled().metrics())
                .contains("size", "stargazers_count", "open_issues_count")
                .doesNotContain("id", "created_at", "pushed_at");
        assertThat(r.compiled().labels()).contains("ref", "language").doesNotContain("html_url", "before");
        assertThat(r.fields())
                .filteredOn(f -> f.path().equals("/repository/created_at"))
                .singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("time"));
        assertThat(r.preview().mapped()).isEqualTo(1);
    }

    @Test
    void arraysOfReadingsAreExplodedAndCollidingNamesQualified() {
        List<JsonNode> samples = List.of(
                json(
                        "[{'ts':1763720130000,'a':{'value':1},'b':{'value':2}},{'ts':1763720131000,'a':{'value':3},'b':{'value':4}}]"),
                json("[{'ts':1763720132000,'a':{'value':5}}]"));

        InferenceResult r = SchemaInference.infer(samples);

        assertThat(r.mapping().get("explode").textValue()).isEmpty();
        assertThat(r.mapping().get("time").get("format").textValue()).isEqualTo("epoch_ms");
        assertThat(r.compiled().metrics()).containsExactly("a_value", "b_value");
        assertThat(r.preview().points()).isEqualTo(5);
        assertThat(r.mapping().get("fields").get(1).get("required").booleanValue())
                .isFalse();
    }

    @Test
    void eventsWithoutNumbersAreCounted() {
        InferenceResult r = SchemaInference.infer(List.of(
                json("{'type':'message','channel':'C1','text':'hello'}"), json("{'type':'reaction','channel':'C2'}")));

        assertThat(r.compiled().metrics()).containsExactly("events");
        assertThat(r.compiled().labels()).contains("type", "channel");
        assertThat(r.preview().points()).isEqualTo(2);
    }

    @Test
    void rejectsSamplesItCannotUse() {
        assertThatThrownBy(() -> SchemaInference.infer(List.of(json("[1,2]"), json("3"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SchemaInference.infer(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
