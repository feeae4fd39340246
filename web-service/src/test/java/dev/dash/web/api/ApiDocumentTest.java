package dev.dash.web.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.signature.Preset;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.WrongMethodContract;
import dev.dash.web.pipeline.Pipelines;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the web API says about itself: the {@code signature_preset} values with each preset's required
 * headers in the OpenAPI document, and a 405 with {@code Allow} (not a 404) for a method a path does not take.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class ApiDocumentTest {
    @TestHTTPResource("/")
    URI base;

    @Test
    void signaturePresetIsAnEnumWithEachPresetsRequiredHeaders() {
        JsonPath doc = given().accept(ContentType.JSON)
                .get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        for (String schema : List.of("PipelineInput", "Pipeline")) {
            String property = "components.schemas." + schema + ".properties.signature_preset";
            assertThat(doc.getList(property + ".enum", String.class))
                    .as(schema)
                    .containsExactlyElementsOf(Pipelines.PRESETS);
            String description = doc.getString(property + ".description");
            for (Preset p : Preset.values()) {
                assertThat(description).contains(p.jsonName() + ": ");
                p.requiredHeaders().forEach(h -> assertThat(description).contains(h));
            }
        }
    }

    @Test
    void aMethodAPathDoesNotTakeGets405WithAllow() throws Exception {
        List<String> calls = WrongMethodContract.assertEveryPath(base, Tokens.of(Tokens.OWNER));
        // Paths shared by several resource classes, where Quarkus REST itself answers 404.
        assertThat(calls)
                .contains(
                        "GET /api/teams/{teamId}/pipelines/{pipelineId}/pause",
                        "GET /api/teams/{teamId}/pipelines/{pipelineId}/secrets");
    }
}
