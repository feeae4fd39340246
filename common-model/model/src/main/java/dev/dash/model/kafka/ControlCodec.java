package dev.dash.model.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.dash.model.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;

/** JSON (snake_case) of the {@link Topics#CONTROL} values. */
public final class ControlCodec {
    private static final ObjectMapper MAPPER =
            Json.newMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private ControlCodec() {}

    /** Serialises a pipeline snapshot. */
    public static byte[] encode(PipelineConfig config) {
        try {
            return MAPPER.writeValueAsBytes(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a pipeline snapshot.
     *
     * @throws IllegalArgumentException when the bytes are not a snapshot
     */
    public static PipelineConfig decode(byte[] json) {
        try {
            return MAPPER.readValue(json, PipelineConfig.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a pipeline snapshot: " + e.getMessage(), e);
        }
    }
}
