package dev.dash.model.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;

/**
 * The one JSON configuration shared by live ingest, replay, previews and the Bronze codec, so that a body
 * parsed in any of them yields the same tree and fails on the same inputs.
 *
 * <p>Parsing is strict JSON with bounded nesting and number length (a hostile body cannot exhaust the
 * stack or the CPU) and rejects trailing content after the root value. The shared instances are immutable
 * readers and writers; callers that need a customised mapper take {@link #newMapper()}.
 */
public final class Json {
    /** Deepest nesting accepted in any parsed document; real provider payloads stay under 20. */
    public static final int MAX_NESTING_DEPTH = 500;

    /** Longest number literal accepted, in characters. */
    public static final int MAX_NUMBER_LENGTH = 1000;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build())
            .build();

    private static final ObjectMapper MAPPER = newMapper();
    private static final ObjectReader READER = MAPPER.reader();
    private static final ObjectWriter WRITER = MAPPER.writer();

    private Json() {}

    /**
     * A new mapper with Dash's settings (strict parsing limits, trailing tokens rejected, ISO-8601 dates).
     *
     * @return a mapper the caller owns and may reconfigure
     */
    public static ObjectMapper newMapper() {
        return JsonMapper.builder(FACTORY)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build();
    }

    /**
     * The shared streaming factory with the parsing limits.
     *
     * @return the factory; do not reconfigure it
     */
    public static JsonFactory factory() {
        return FACTORY;
    }

    /**
     * The shared immutable reader.
     *
     * @return the reader
     */
    public static ObjectReader reader() {
        return READER;
    }

    /**
     * The shared immutable writer.
     *
     * @return the writer
     */
    public static ObjectWriter writer() {
        return WRITER;
    }

    /**
     * The node factory for building trees.
     *
     * @return the node factory
     */
    public static JsonNodeFactory nodes() {
        return JsonNodeFactory.instance;
    }

    /**
     * Parses one JSON document from raw bytes (UTF-8, or UTF-16/32 with detection).
     *
     * @param bytes the document
     * @return the tree; {@code MissingNode} for empty input
     * @throws IOException if the bytes are not exactly one JSON document within the limits
     */
    public static JsonNode parse(byte[] bytes) throws IOException {
        return READER.readTree(bytes);
    }

    /**
     * Parses one JSON document from a string.
     *
     * @param text the document
     * @return the tree; {@code MissingNode} for empty input
     * @throws IOException if the text is not exactly one JSON document within the limits
     */
    public static JsonNode parse(String text) throws IOException {
        return READER.readTree(text);
    }
}
