package dev.dash.model.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.MappingPreview;
import java.util.List;

/**
 * A proposed mapping with the reasoning behind it and a preview of what it does to the samples.
 *
 * @param mapping the proposed mapping document, ready to edit and save (it compiles)
 * @param compiled the proposed mapping, compiled
 * @param fields every leaf considered, with its role
 * @param preview the proposed mapping applied to the samples
 * @param samples samples given
 * @param unusable samples that could not be used (not JSON, or neither an object nor an array of objects)
 */
public record InferenceResult(
        ObjectNode mapping,
        CompiledMapping compiled,
        List<FieldSuggestion> fields,
        MappingPreview.Report preview,
        int samples,
        int unusable) {}
