package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.api.ApiError;
import dev.dash.model.api.FieldError;
import dev.dash.model.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A refusal's body is Dash's {@link ApiError}, written by Jackson exactly as every other endpoint writes it, with
 * only {@code line} added for a refused NDJSON batch.
 */
class IngestRejectionTest {

    @Test
    void aRefusalIsWrittenAsTheApiErrorOfEveryOtherEndpoint() throws Exception {
        IngestRejection r = new IngestRejection(401, "bad_signature", "signature", "bad signature: \"x\"\n\u0001");
        String written = Json.writer().writeValueAsString(r.body());
        String apiError = Json.writer()
                .writeValueAsString(new ApiError(
                        401,
                        "bad_signature",
                        "bad signature: \"x\"\n\u0001",
                        List.of(new FieldError("signature", "bad signature: \"x\"\n\u0001"))));
        assertThat(written).isEqualTo(apiError);
        JsonNode body = Json.reader().readTree(written);
        assertThat(body.fieldNames()).toIterable().containsExactly("status", "error", "message", "fields");
        assertThat(body.path("message").asText()).isEqualTo("bad signature: \"x\"\n\u0001");
    }

    @Test
    void aRefusalWithoutAFieldHasNoFieldsAndNoLine() throws Exception {
        IngestRejection r = new IngestRejection(
                503, "overloaded", null, "too many events; retry later", null, Map.of("Retry-After", "2"));
        JsonNode body = Json.reader().readTree(Json.writer().writeValueAsString(r.body()));
        assertThat(body.fieldNames()).toIterable().containsExactly("status", "error", "message");
        assertThat(body.path("status").asInt()).isEqualTo(503);
        assertThat(body.path("error").asText()).isEqualTo("overloaded");
    }

    @Test
    void aRefusedNdjsonBatchNamesItsLineAfterTheApiErrorFields() throws Exception {
        IngestRejection r = new IngestRejection(400, "invalid_json", "body", "line 3: not valid JSON", 3, null);
        JsonNode body = Json.reader().readTree(Json.writer().writeValueAsString(r.body()));
        assertThat(body.fieldNames()).toIterable().containsExactly("status", "error", "message", "fields", "line");
        assertThat(body.path("line").asInt()).isEqualTo(3);
        assertThat(body.path("fields").get(0).path("field").asText()).isEqualTo("body");
        assertThat(body.path("fields").get(0).path("reason").asText()).isEqualTo("line 3: not valid JSON");
    }
}
