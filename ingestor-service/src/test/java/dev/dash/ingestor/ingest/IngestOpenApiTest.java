package dev.dash.ingestor.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.signature.Preset;
import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The ingestor's OpenAPI document (META-INF/openapi.yaml, merged by smallrye-openapi) describes the ingest
 * route: every status it answers with its JSON body, NDJSON and gzip, and every preset's required headers.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class IngestOpenApiTest {
    private static final String OP = "paths.'/ingest/{pipelineId}'.post";

    private static JsonPath document() {
        return given().accept(ContentType.JSON)
                .get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    void theIngestOperationListsEveryStatusWithItsJsonBody() {
        JsonPath doc = document();
        Map<String, Object> responses = doc.getMap(OP + ".responses");
        assertThat(responses)
                .containsOnlyKeys("200", "202", "400", "401", "404", "409", "413", "415", "429", "500", "503");
        for (String status : responses.keySet()) {
            assertThat(doc.getMap(OP + ".responses.'" + status + "'.content"))
                    .as("content of %s", status)
                    .containsOnlyKeys("application/json");
            assertThat(doc.getString(OP + ".responses.'" + status + "'.description"))
                    .as("description of %s", status)
                    .isNotBlank();
        }
        for (String refusal : List.of("400", "401", "404", "409", "413", "415", "429", "500", "503")) {
            assertThat(doc.getString(OP + ".responses.'" + refusal + "'.content.'application/json'.schema.$ref"))
                    .isEqualTo("#/components/schemas/IngestError");
        }
        assertThat(doc.getString(OP + ".responses.'202'.content.'application/json'.schema.$ref"))
                .isEqualTo("#/components/schemas/IngestAccepted");
        assertThat(doc.getMap(OP + ".responses.'429'.headers")).containsKeys("Retry-After", "X-RateLimit-Limit");
        assertThat(doc.getMap(OP + ".responses.'503'.headers")).containsKey("Retry-After");
        assertThat(doc.getList("components.schemas.IngestError.required", String.class))
                .containsExactly("status", "error", "message");
        assertThat(doc.getList("components.schemas.IngestError.properties.error.enum", String.class))
                .contains("body_too_large", "bad_signature", "invalid_json", "quota_exceeded", "overloaded");
    }

    @Test
    void ndjsonGzipAndThePathAreDescribed() {
        JsonPath doc = document();
        assertThat(doc.getMap(OP + ".requestBody.content"))
                .containsKeys(
                        "application/json",
                        "application/x-ndjson",
                        "application/ndjson",
                        "application/jsonl",
                        "application/x-jsonlines");
        Map<String, Map<String, Object>> params = parameters(doc);
        assertThat(params.get("path:pipelineid")).containsEntry("required", true);
        assertThat(doc.getList(OP + ".parameters.find { it.name == 'Content-Encoding' }.schema.enum", String.class))
                .contains("gzip");
        assertThat(doc.getString(OP + ".operationId")).isEqualTo("ingest");
    }

    @Test
    void everyPresetsHeadersAreParametersAndItsRequiredOnesAreNamedInTheDescription() {
        JsonPath doc = document();
        Map<String, Map<String, Object>> params = parameters(doc);
        String description = doc.getString(OP + ".description").toLowerCase(Locale.ROOT);
        for (Preset p : Preset.values()) {
            assertThat(description).contains("`" + p.jsonName() + "`");
            for (String h : p.headers()) {
                assertThat(params).as("header parameter %s of %s", h, p).containsKey("header:" + h);
            }
            for (String h : p.requiredHeaders()) {
                assertThat(String.valueOf(params.get("header:" + h).get("description")))
                        .as("description of %s", h)
                        .startsWith(p.jsonName() + ": required");
            }
        }
    }

    private static Map<String, Map<String, Object>> parameters(JsonPath doc) {
        List<Map<String, Object>> list = doc.getList(OP + ".parameters");
        return list.stream()
                .collect(Collectors.toMap(
                        m -> m.get("in") + ":" + String.valueOf(m.get("name")).toLowerCase(Locale.ROOT), m -> m));
    }
}
