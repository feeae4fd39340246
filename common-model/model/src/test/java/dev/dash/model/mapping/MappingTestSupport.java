package dev.dash.model.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/** Shortcuts shared by the mapping tests. */
final class MappingTestSupport {
    static final Instant RECEIVED = Instant.parse("2026-11-21T10:15:30Z");

    private MappingTestSupport() {}

    /** JSON written with single quotes, for readable test documents. */
    static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    static CompiledMapping compile(String singleQuoted) {
        return MappingCompiler.compile(json(singleQuoted));
    }

    static MappingResult apply(CompiledMapping m, String singleQuotedEvent) {
        return m.apply(EventInput.ofBytes(
                UUID.randomUUID(), RECEIVED, json(singleQuotedEvent).getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] resource(String name) {
        try (InputStream in = MappingTestSupport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode tree(String singleQuoted) {
        try {
            return Json.parse(json(singleQuoted));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
