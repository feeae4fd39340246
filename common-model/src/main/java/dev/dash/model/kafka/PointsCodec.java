package dev.dash.model.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.dash.model.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON (snake_case) of the {@link Topics#POINTS} values, for example:
 *
 * <pre>{@code
 * {"pipeline_id":"...","team_id":"...","committed_at":"2026-11-21T06:00:00.250Z",
 *  "points":[{"time":"2026-11-21T06:00:00Z","metric":"temp","labels":{"site":"a"},"value":21.5,
 *             "event_id":"...","seq":0,"mapping_version":1,"received_at":"2026-11-21T06:00:00.012Z"}]}
 * }</pre>
 */
public final class PointsCodec {
    private static final ObjectMapper MAPPER =
            Json.newMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private PointsCodec() {}

    /**
     * Serialises a batch.
     *
     * @param batch the batch
     * @return UTF-8 JSON
     */
    public static byte[] encode(PointsBatch batch) {
        try {
            return MAPPER.writeValueAsBytes(batch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a batch.
     *
     * @param json the bytes of a {@link Topics#POINTS} value
     * @return the batch
     * @throws IllegalArgumentException when the bytes are not a points batch
     */
    public static PointsBatch decode(byte[] json) {
        try {
            return MAPPER.readValue(json, PointsBatch.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a points batch: " + e.getMessage(), e);
        }
    }
}
