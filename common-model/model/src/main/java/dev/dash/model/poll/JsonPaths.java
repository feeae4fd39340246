package dev.dash.model.poll;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import dev.dash.model.json.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * JSONPath over Jackson trees (Jayway json-path), the way a polled response's records, cursor and
 * incremental field are found. Paths are compiled once per source configuration.
 */
public final class JsonPaths {
    private static final Configuration CONF = Configuration.builder()
            .jsonProvider(new JacksonJsonNodeJsonProvider(Json.newMapper()))
            .mappingProvider(new JacksonMappingProvider(Json.newMapper()))
            .options(Option.SUPPRESS_EXCEPTIONS)
            .build();

    private JsonPaths() {}

    /**
     * Compiles a path.
     *
     * @param field the configuration field it came from, for the error
     * @param path the JSONPath expression, starting with {@code $}
     * @return the compiled path
     * @throws SourceConfigException when the expression is not valid JSONPath
     */
    public static JsonPath compile(String field, String path) {
        if (path == null || path.isBlank() || !path.startsWith("$")) {
            throw new SourceConfigException(field, "must be a JSONPath starting with $");
        }
        try {
            return JsonPath.compile(path);
        } catch (InvalidPathException | IllegalArgumentException e) {
            throw new SourceConfigException(field, "is not valid JSONPath: " + e.getMessage());
        }
    }

    /**
     * The nodes a path selects: an indefinite path's matches, or a definite path's value (an array's elements
     * when it is an array). Missing paths give none.
     *
     * @param path the path
     * @param doc the document
     * @return the selected nodes, never null
     */
    public static List<JsonNode> select(JsonPath path, JsonNode doc) {
        Object r = path.read(doc, CONF);
        List<JsonNode> out = new ArrayList<>();
        if (r instanceof ArrayNode a) {
            if (path.isDefinite()) {
                a.forEach(out::add);
            } else {
                for (JsonNode n : a) {
                    // "$.data[*]" on a list of lists gives lists: their elements are the records.
                    out.add(n);
                }
            }
        } else if (r instanceof JsonNode n && !n.isNull() && !n.isMissingNode()) {
            out.add(n);
        }
        return out;
    }

    /**
     * A single value a path selects, or null when missing or JSON null.
     *
     * @param path the path
     * @param doc the document
     * @return the value node, or null
     */
    public static JsonNode value(JsonPath path, JsonNode doc) {
        Object r = path.read(doc, CONF);
        if (r instanceof ArrayNode a && !path.isDefinite()) {
            return a.isEmpty() ? null : nullToNull(a.get(0));
        }
        return r instanceof JsonNode n ? nullToNull(n) : null;
    }

    private static JsonNode nullToNull(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n;
    }
}
