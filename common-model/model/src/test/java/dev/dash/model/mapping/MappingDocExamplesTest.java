package dev.dash.model.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
import dev.dash.model.testing.LocalServices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs the worked examples of {@code docs/mapping.md}: every {@code json mapping} block compiles, every
 * {@code json event} after it maps to the {@code json points} block that follows, and every
 * {@code json invalid-mapping} fails with the {@code json problems} listed. The documentation cannot drift.
 */
class MappingDocExamplesTest {
    static final Instant RECEIVED = Instant.parse("2026-11-21T10:15:30Z");
    private static final Pattern BLOCK = Pattern.compile("```json ([a-z-]+)\\n(.*?)\\n```", Pattern.DOTALL);

    record Block(String kind, JsonNode json) {}

    static List<Block> blocks() throws IOException {
        Path doc = LocalServices.repoRoot().resolve("docs/mapping.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            blocks.add(new Block(m.group(1), Json.parse(m.group(2))));
        }
        return blocks;
    }

    @Test
    void everyWorkedExampleGivesWhatTheDocumentationSays() throws IOException {
        List<Block> blocks = blocks();
        CompiledMapping mapping = null;
        MappingResult last = null;
        int examples = 0;
        for (Block b : blocks) {
            switch (b.kind()) {
                case "mapping" -> mapping = MappingCompiler.compile(b.json());
                case "event" ->
                    last = mapping.apply(
                            EventInput.ofBytes(null, RECEIVED, Json.writer().writeValueAsBytes(b.json())));
                case "points" -> {
                    assertThat(describe(last, b.json()))
                            .as("example %d", examples)
                            .isEqualTo(b.json());
                    examples++;
                }
                case "invalid-mapping" -> {
                    MappingCompileException e = catchThrowableOfType(
                            MappingCompileException.class, () -> MappingCompiler.compile(b.json()));
                    assertThat(e).isNotNull();
                    last = null;
                    mapping = null;
                    lastProblems = e.problems();
                }
                case "problems" -> {
                    ArrayNode actual = Json.nodes().arrayNode();
                    lastProblems.forEach(
                            p -> actual.addObject().put("pointer", p.pointer()).put("message", p.message()));
                    assertThat(actual).isEqualTo(b.json());
                    examples++;
                }
                default -> throw new AssertionError("unknown block kind " + b.kind());
            }
        }
        assertThat(examples).isGreaterThanOrEqualTo(8);
    }

    private List<MappingProblem> lastProblems = List.of();

    /** The result in the documentation's shape; error entries keep only the keys the documentation shows. */
    static JsonNode describe(MappingResult r, JsonNode expected) {
        if (!r.ok()) {
            ObjectNode out = Json.nodes().objectNode();
            ArrayNode errors = out.putArray("errors");
            for (int i = 0; i < r.errors().size(); i++) {
                MappingError e = r.errors().get(i);
                JsonNode shown = expected.path("errors").path(i);
                ObjectNode o = errors.addObject();
                o.put("field", e.field());
                o.put("code", e.code().name());
                if (shown.has("index")) {
                    o.put("index", e.index());
                }
                if (shown.has("reason")) {
                    o.put("reason", e.reason());
                }
            }
            return out;
        }
        ArrayNode points = Json.nodes().arrayNode();
        for (Point p : r.points()) {
            ObjectNode o = points.addObject();
            o.put("time", p.time().toString());
            o.put("metric", p.metric());
            ObjectNode labels = o.putObject("labels");
            p.labels().forEach(labels::put);
            o.put("value", p.value());
        }
        return points;
    }
}
