package dev.dash.web.poll;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.web.mapping.MappingService;

/**
 * The answer of a dry run ("test source"): the first page as the poller would read it and what the mapping
 * makes of its records. Nothing is stored or published.
 *
 * @param url the URL fetched, without its query (which may hold an API key)
 * @param status the HTTP status
 * @param records how many records the page held
 * @param sample the first records, at most {@code 50}
 * @param hasNextPage whether the source has another page
 * @param mapping the mapping's result for the sample, or null when the pipeline has no mapping yet
 */
public record SourceTest(
        String url,
        int status,
        int records,
        java.util.List<JsonNode> sample,
        boolean hasNextPage,
        MappingService.Preview mapping) {

    /**
     * What to test; every field is optional and defaults to the pipeline's saved value.
     *
     * @param sourceType {@code http} or {@code graphql}
     * @param sourceConfig a source configuration to try before saving it
     * @param mapping a mapping document to apply instead of the active version
     */
    public record Request(String sourceType, JsonNode sourceConfig, JsonNode mapping) {}
}
