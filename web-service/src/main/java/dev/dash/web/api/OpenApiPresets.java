package dev.dash.web.api;

import dev.dash.model.signature.Preset;
import dev.dash.web.pipeline.Pipelines;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.media.Schema;

/**
 * Lists the {@code signature_preset} values as an enum in the OpenAPI document, each with the headers a
 * delivery must carry to {@code POST /ingest/{pipelineId}}, taken from {@link Preset#requiredHeaders()} so the
 * document cannot drift from the verifier. The messages keep a plain string (PATCH leaves a missing field
 * unchanged, and an unknown value gets the API's 400 with the allowed values).
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class OpenApiPresets implements OASFilter {
    static final String PROPERTY = "signature_preset";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null || openAPI.getComponents().getSchemas() == null) {
            return;
        }
        for (Schema schema : openAPI.getComponents().getSchemas().values()) {
            Map<String, Schema> properties = schema.getProperties();
            Schema preset = properties == null ? null : properties.get(PROPERTY);
            if (preset != null) {
                preset.setEnumeration(new ArrayList<>(Pipelines.PRESETS));
                preset.setDescription(description());
            }
        }
    }

    static String description() {
        StringBuilder b = new StringBuilder(
                "How producers sign their deliveries to POST /ingest/{pipelineId}, with the headers each preset"
                        + " requires (401 missing_header without one): none: no signature");
        for (Preset p : Preset.values()) {
            b.append("; ").append(p.jsonName()).append(": ");
            if (p == Preset.GENERIC_HMAC) {
                b.append("the signature, id and timestamp headers named by the recipe in signature_config");
            } else {
                b.append(String.join(", ", p.requiredHeaders()));
            }
        }
        return b.append(". The ingestor's OpenAPI document describes every header.")
                .toString();
    }

    /** The values, for tests. */
    static List<String> values() {
        return Pipelines.PRESETS;
    }
}
