package dev.dash.bench.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Events per second of the mapping engine on realistic payloads, against the same bytes parsed by the same
 * parser ({@link Json#parse(byte[])}, which the engine itself calls) and nothing else. {@code parseAndMap} is
 * what the Silver writer and replay do per event; {@code mapParsed} isolates the engine's own cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class MappingBenchmark {

    /** The payload and its mapping, from {@code common-model/model/src/test/resources/bench}. */
    @Param({"github-push", "stripe-invoice-paid", "iot-reading"})
    public String payload;

    private byte[] body;
    private JsonNode parsed;
    private CompiledMapping mapping;
    private final UUID eventId = UUID.fromString("0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e");
    private final Instant receivedAt = Instant.parse("2026-11-21T10:15:30Z");

    /** Loads the payload, compiles its mapping, and refuses to measure a mapping that fails. */
    @Setup
    public void setUp() throws IOException {
        body = resource("/bench/" + payload + ".json");
        mapping = MappingCompiler.compile(
                new String(resource("/bench/" + payload + ".mapping.json"), StandardCharsets.UTF_8));
        parsed = Json.parse(body);
        MappingResult check = mapping.apply(EventInput.ofBytes(eventId, receivedAt, body));
        if (!check.ok() || check.points().isEmpty()) {
            throw new IllegalStateException(payload + " does not map: " + check.errors());
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = MappingBenchmark.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }

    /** The baseline: parse the body into a tree and do nothing else. */
    @Benchmark
    public JsonNode parseOnly() throws IOException {
        return Json.parse(body);
    }

    /** Parse the body and map it: the per-event work of live ingest and replay. */
    @Benchmark
    public MappingResult parseAndMap() {
        return mapping.apply(EventInput.ofBytes(eventId, receivedAt, body));
    }

    /** Map an already parsed tree: the engine's own cost. */
    @Benchmark
    public MappingResult mapParsed() {
        return mapping.apply(EventInput.ofJson(eventId, receivedAt, parsed));
    }
}
