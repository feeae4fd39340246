package dev.dash.model.mapping;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.dash.model.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compiles mapping documents (see {@code docs/mapping.md}) into {@link CompiledMapping}s. A document with
 * mistakes is rejected with every problem and its location, never half-compiled.
 */
public final class MappingCompiler {
    /** The mapping language version this compiler reads. */
    public static final int LANGUAGE_VERSION = 1;

    static final int MAX_FIELDS = 500;
    static final int MAX_LABELS = 32;
    static final int MAX_EXPLODE = 100_000;
    static final int DEFAULT_MAX_EXPLODE = 10_000;

    private static final Set<String> TOP =
            Set.of("version", "description", "time", "filter", "explode", "fields", "metrics", "labels");
    private static final Set<String> TIME = Set.of("path", "scope", "format", "pattern", "zone", "on_missing");
    private static final Set<String> EXPLODE = Set.of("path", "max_items");
    private static final ObjectReader STRICT = Json.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private MappingCompiler() {}

    /**
     * Compiles a document given as text; duplicate keys are rejected.
     *
     * @param document the JSON text
     * @return the compiled mapping
     * @throws MappingCompileException with every problem found
     */
    public static CompiledMapping compile(String document) {
        Objects.requireNonNull(document, "document");
        JsonNode tree;
        try {
            tree = STRICT.readTree(document);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr();
            throw new MappingCompileException(
                    List.of(new MappingProblem("", "not valid JSON" + where + ": " + e.getOriginalMessage())));
        } catch (IOException e) {
            throw new MappingCompileException(List.of(new MappingProblem("", "not valid JSON: " + e.getMessage())));
        }
        return compile(tree);
    }

    /**
     * Compiles a document.
     *
     * @param document the mapping document
     * @return the compiled mapping
     * @throws MappingCompileException with every problem found
     */
    public static CompiledMapping compile(JsonNode document) {
        Objects.requireNonNull(document, "document");
        Compilation c = new Compilation();
        if (!c.object(document, "", "a mapping")) {
            throw new MappingCompileException(c.problems());
        }
        c.onlyKnown(document, "", TOP);
        JsonNode version = document.get("version");
        if (version != null && !(version.isIntegralNumber() && version.intValue() == LANGUAGE_VERSION)) {
            c.problem(
                    "/version", "unsupported mapping language version; this engine reads version " + LANGUAGE_VERSION);
        }
        c.text(document, "", "description", false);
        CompiledMapping.TimeSpec time = document.hasNonNull("time") ? time(document.get("time"), c) : null;
        Condition filter =
                document.hasNonNull("filter") ? Condition.compile(document.get("filter"), "/filter", c) : null;
        CompiledMapping.Explode explode = document.hasNonNull("explode") ? explode(document.get("explode"), c) : null;

        List<FieldPlan> fields = new ArrayList<>();
        Map<String, Integer> byName = new HashMap<>();
        JsonNode fieldsNode = document.get("fields");
        if (fieldsNode == null || !fieldsNode.isArray() || fieldsNode.isEmpty() || fieldsNode.size() > MAX_FIELDS) {
            c.problem("/fields", "'fields' must be an array of 1 to " + MAX_FIELDS + " fields");
        } else {
            for (int i = 0; i < fieldsNode.size(); i++) {
                String at = Compilation.child("/fields", i);
                FieldPlan f = FieldPlan.compile(fieldsNode.get(i), at, c);
                if (f == null) {
                    continue;
                }
                Integer first = byName.putIfAbsent(f.name, fields.size());
                if (first != null) {
                    c.problem(Compilation.child(at, "name"), "duplicate field name '" + f.name + "'");
                    continue;
                }
                fields.add(f);
            }
        }
        boolean fieldsComplete = !c.failed();
        int[] metrics = roles(document, "metrics", true, fields, byName, fieldsComplete, c);
        int[] labels = roles(document, "labels", false, fields, byName, fieldsComplete, c);
        if (metrics != null && labels != null) {
            Set<Integer> metricSet = new HashSet<>();
            for (int m : metrics) {
                metricSet.add(m);
            }
            for (int i = 0; i < labels.length; i++) {
                if (metricSet.contains(labels[i])) {
                    c.problem("/labels", "'" + fields.get(labels[i]).name + "' cannot be both a metric and a label");
                }
            }
            if (labels.length > MAX_LABELS) {
                c.problem("/labels", "at most " + MAX_LABELS + " labels");
            }
        }
        if (c.failed()) {
            throw new MappingCompileException(c.problems());
        }
        FieldPlan[] plans = fields.toArray(FieldPlan[]::new);
        Integer[] sorted = new Integer[labels.length];
        for (int i = 0; i < labels.length; i++) {
            sorted[i] = labels[i];
        }
        Arrays.sort(sorted, Comparator.comparing(i -> plans[i].name));
        int[] labelOrder = new int[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            labelOrder[i] = sorted[i];
        }
        return new CompiledMapping(document.deepCopy(), time, filter, explode, plans, metrics, labelOrder);
    }

    private static CompiledMapping.TimeSpec time(JsonNode spec, Compilation c) {
        if (!c.object(spec, "/time", "'time'")) {
            return null;
        }
        c.onlyKnown(spec, "/time", TIME);
        JsonPointer path = c.pointer(spec, "/time", "path", true);
        boolean root = c.rootScope(spec, "/time");
        TimeParser parser = TimeParser.compile(spec, "/time", c);
        String onMissing = c.text(spec, "/time", "on_missing", false);
        boolean fallBack = false;
        if (onMissing != null) {
            if (onMissing.equals("received_at")) {
                fallBack = true;
            } else if (!onMissing.equals("error")) {
                c.problem("/time/on_missing", "'on_missing' must be 'error' or 'received_at'");
            }
        }
        return path == null || parser == null ? null : new CompiledMapping.TimeSpec(path, root, parser, fallBack);
    }

    private static CompiledMapping.Explode explode(JsonNode spec, Compilation c) {
        if (spec.isTextual()) {
            JsonPointer path = c.pointer(spec.textValue(), "/explode");
            return path == null ? null : new CompiledMapping.Explode(path, DEFAULT_MAX_EXPLODE);
        }
        if (!c.object(spec, "/explode", "'explode' (a JSON Pointer string or an object)")) {
            return null;
        }
        c.onlyKnown(spec, "/explode", EXPLODE);
        JsonPointer path = c.pointer(spec, "/explode", "path", true);
        Integer max = c.integer(spec, "/explode", "max_items", 1, MAX_EXPLODE, DEFAULT_MAX_EXPLODE);
        return path == null || max == null ? null : new CompiledMapping.Explode(path, max);
    }

    private static int[] roles(
            JsonNode document,
            String property,
            boolean metrics,
            List<FieldPlan> fields,
            Map<String, Integer> byName,
            boolean fieldsComplete,
            Compilation c) {
        String at = "/" + property;
        JsonNode list = document.get(property);
        if (list == null || list.isNull()) {
            if (metrics) {
                c.problem(at, "'metrics' is required: the names of the fields that become points");
                return null;
            }
            return new int[0];
        }
        if (!list.isArray() || (metrics && list.isEmpty())) {
            c.problem(at, "'" + property + "' must be " + (metrics ? "a non-empty" : "an") + " array of field names");
            return null;
        }
        int[] indices = new int[list.size()];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode name = list.get(i);
            String itemAt = Compilation.child(at, i);
            if (!name.isTextual()) {
                c.problem(itemAt, "must be a field name");
                continue;
            }
            if (!seen.add(name.textValue())) {
                c.problem(itemAt, "'" + name.textValue() + "' is listed twice");
                continue;
            }
            Integer index = byName.get(name.textValue());
            if (index == null) {
                if (fieldsComplete) {
                    c.problem(itemAt, "no field named '" + name.textValue() + "'");
                }
                continue;
            }
            FieldPlan f = fields.get(index);
            if (metrics && !f.type.numeric()) {
                c.problem(
                        itemAt,
                        "metric '" + f.name + "' has type " + f.type.jsonName()
                                + "; metrics must be number, integer or boolean");
            }
            indices[i] = index;
        }
        return indices;
    }
}
