package dev.dash.model.mapping;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.json.TreeSubset;
import dev.dash.model.mapping.MappingError.Code;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A mapping version compiled once into an immutable, thread-safe executable form. Live ingest (the Silver
 * writer), replay and previews all call {@link #apply(EventInput)} on it, so the same event gives the same
 * points everywhere.
 *
 * <p>{@code apply} never throws for anything an event contains: malformed JSON, missing values, wrong
 * types, non-finite numbers all come back as {@link MappingError}s.
 */
public final class CompiledMapping {
    static final int MAX_ERRORS = 100;

    /** Where the event time comes from. */
    record TimeSpec(JsonPointer path, boolean rootScope, TimeParser parser, boolean fallBackToReceived) {}

    /** The array whose elements become rows. */
    record Explode(JsonPointer path, int maxItems) {}

    private final JsonNode document;
    private final TimeSpec time;
    private final Condition filter;
    private final Explode explode;
    private final FieldPlan[] fields;
    private final String[] fieldNames;
    /** Indices into {@link #fields} of the metrics, in declared order. */
    private final int[] metrics;
    /** Indices into {@link #fields} of the labels, sorted by label name. */
    private final int[] labels;

    private final String[] labelNames;

    private final TreeSubset bodySubset;

    CompiledMapping(
            JsonNode document,
            TimeSpec time,
            Condition filter,
            Explode explode,
            FieldPlan[] fields,
            int[] metrics,
            int[] labels) {
        this.document = document;
        this.time = time;
        this.filter = filter;
        this.explode = explode;
        this.fields = fields;
        this.fieldNames = new String[fields.length];
        for (int i = 0; i < fields.length; i++) {
            fieldNames[i] = fields[i].name;
        }
        this.metrics = metrics;
        this.labels = labels;
        this.labelNames = new String[labels.length];
        for (int i = 0; i < labels.length; i++) {
            labelNames[i] = fields[labels[i]].name;
        }
        this.bodySubset = subset();
    }

    /** Every pointer {@link #apply} can read of an event, as a {@link TreeSubset}. */
    private TreeSubset subset() {
        List<JsonPointer> pointers = new ArrayList<>();
        // Pointers of a row's item: relative to the exploded array's elements, which the explode pointer keeps
        // whole; without explode the item is the root.
        PointerSink sink = (p, rootScope) -> {
            if (rootScope || explode == null) {
                pointers.add(p);
            }
        };
        if (explode != null) {
            pointers.add(explode.path());
        }
        if (time != null) {
            sink.add(time.path(), time.rootScope());
        }
        if (filter != null) {
            filter.pointers(sink);
        }
        for (FieldPlan f : fields) {
            if (f.path != null) {
                sink.add(f.path, f.rootScope);
            }
            for (Step s : f.steps) {
                s.pointers(sink);
            }
        }
        return TreeSubset.of(pointers);
    }

    /**
     * The part of an event's body that {@link #apply} can read: every JSON Pointer of the mapping (time, filter,
     * explode, fields and their {@code coalesce} steps). A tree read with it ({@link TreeSubset#read}) maps exactly as
     * the whole body's tree does, for a reader that need not build the rest (the replay's Bronze lines).
     *
     * @return the subset; {@link TreeSubset#ALL} when a pointer is the whole document
     */
    public TreeSubset bodySubset() {
        return bodySubset;
    }

    /**
     * The mapping document this was compiled from.
     *
     * @return a copy the caller owns
     */
    public JsonNode document() {
        return document.deepCopy();
    }

    /**
     * The metric names, in declared order.
     *
     * @return the names
     */
    public List<String> metrics() {
        List<String> names = new ArrayList<>(metrics.length);
        for (int m : metrics) {
            names.add(fieldNames[m]);
        }
        return Collections.unmodifiableList(names);
    }

    /**
     * The label names, sorted.
     *
     * @return the names
     */
    public List<String> labels() {
        return List.of(labelNames);
    }

    /**
     * Every field name, in declared order.
     *
     * @return the names
     */
    public List<String> fields() {
        return List.of(fieldNames);
    }

    /**
     * Maps one event.
     *
     * @param input the event
     * @return its points and records, or its errors
     */
    public MappingResult apply(EventInput input) {
        Objects.requireNonNull(input, "input");
        try {
            JsonNode root = input.json();
            if (root == null && !bodySubset.all()) {
                // Only the part of the body the pointers reach is built (what the replay does with Bronze lines; the
                // same result, BodySubsetTest). A body that does not read cleanly so is parsed whole below, for the
                // same error.
                root = subsetOf(input.body());
            }
            if (root == null) {
                try {
                    root = Json.parse(input.body());
                } catch (IOException e) {
                    return MappingResult.failure(
                            new MappingError(MappingError.BODY, Code.INVALID_JSON, describe(e), -1));
                }
                if (root.isMissingNode()) {
                    return MappingResult.failure(
                            new MappingError(MappingError.BODY, Code.INVALID_JSON, "the body is empty", -1));
                }
            }
            return run(root, input.receivedAt());
        } catch (RuntimeException e) {
            // A defect must not stop a consumer: the event goes to quarantine with the defect named.
            return MappingResult.failure(new MappingError(MappingError.ENGINE, Code.INTERNAL, e.toString(), -1));
        }
    }

    /** The subset of a body as one JSON document, or null when it is empty, malformed or followed by more. */
    private JsonNode subsetOf(byte[] body) {
        try (JsonParser p = Json.factory().createParser(body)) {
            if (p.nextToken() == null) {
                return null;
            }
            JsonNode n = bodySubset.read(p);
            return p.nextToken() == null ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String describe(IOException e) {
        if (e instanceof JsonProcessingException j) {
            JsonLocation at = j.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            return "not valid JSON" + where + ": " + j.getOriginalMessage();
        }
        return "not valid JSON: " + e.getMessage();
    }

    private MappingResult run(JsonNode root, Instant receivedAt) {
        Run run = new Run(root, receivedAt);
        if (explode == null) {
            run.row(root, -1);
        } else {
            JsonNode array = root.at(explode.path());
            if (array.isMissingNode() || array.isNull()) {
                return MappingResult.failure(
                        new MappingError(MappingError.EXPLODE, Code.MISSING, "no array at " + explode.path(), -1));
            }
            if (!array.isArray()) {
                return MappingResult.failure(new MappingError(
                        MappingError.EXPLODE,
                        Code.WRONG_TYPE,
                        "expected an array at " + explode.path() + ", got " + array.getNodeType(),
                        -1));
            }
            if (array.size() > explode.maxItems()) {
                return MappingResult.failure(new MappingError(
                        MappingError.EXPLODE,
                        Code.TOO_MANY_ITEMS,
                        "the array at " + explode.path() + " has " + array.size() + " elements; the mapping allows "
                                + explode.maxItems(),
                        -1));
            }
            // Stop at the first failing element: the whole event goes to quarantine anyway.
            for (int i = 0; i < array.size() && run.errors == null; i++) {
                run.row(array.get(i), i);
            }
        }
        if (run.errors != null) {
            return MappingResult.failure(run.errors);
        }
        return new MappingResult(
                Collections.unmodifiableList(run.points),
                Collections.unmodifiableList(run.rows),
                List.of(),
                fieldNames,
                run.skipped);
    }

    /** The state of one apply call. */
    private final class Run {
        final JsonNode root;
        final Instant receivedAt;
        final Slot slot = new Slot();
        final List<Point> points = new ArrayList<>(metrics.length);
        final List<MappingResult.Row> rows = new ArrayList<>(1);
        List<MappingError> errors;
        int skipped;

        Run(JsonNode root, Instant receivedAt) {
            this.root = root;
            this.receivedAt = receivedAt;
        }

        void error(String field, int index) {
            if (errors == null) {
                errors = new ArrayList<>(2);
            }
            if (errors.size() < MAX_ERRORS) {
                errors.add(new MappingError(field, slot.errorCode, slot.error, index));
            }
        }

        void row(JsonNode item, int index) {
            if (filter != null && !filter.test(item, root)) {
                skipped++;
                return;
            }
            Instant t = receivedAt;
            if (time != null) {
                slot.errorCode = null;
                slot.load((time.rootScope() ? root : item).at(time.path()));
                if (slot.kind == Slot.NULL) {
                    if (!time.fallBackToReceived()) {
                        slot.fail(Code.MISSING, "no time at " + time.path());
                        error(MappingError.TIME, index);
                    }
                } else {
                    t = time.parser().parse(slot);
                    if (t == null) {
                        error(MappingError.TIME, index);
                    }
                }
            }
            Object[] values = new Object[fields.length];
            boolean failed = false;
            for (int i = 0; i < fields.length; i++) {
                Object value = fields[i].evaluate(item, root, slot);
                if (value == null && slot.errorCode != null) {
                    error(fieldNames[i], index);
                    failed = true;
                }
                values[i] = value;
            }
            if (failed || errors != null) {
                return;
            }
            Labels rowLabels = labels(values);
            for (int m : metrics) {
                Object value = values[m];
                if (value != null) {
                    points.add(new Point(t, fieldNames[m], rowLabels, numeric(value)));
                }
            }
            rows.add(new MappingResult.Row(t, index, values));
        }
    }

    private Labels labels(Object[] values) {
        if (labels.length == 0) {
            return Labels.empty();
        }
        String[] texts = new String[labels.length];
        int present = 0;
        for (int i = 0; i < labels.length; i++) {
            Object value = values[labels[i]];
            if (value != null) {
                texts[i] = value instanceof Double d ? Slot.numberText(d) : value.toString();
                present++;
            }
        }
        if (present == labels.length) {
            // The sorted names are shared by every row; only the values are new.
            return new Labels(labelNames, texts);
        }
        String[] keys = new String[present];
        String[] vals = new String[present];
        int j = 0;
        for (int i = 0; i < labels.length; i++) {
            if (texts[i] != null) {
                keys[j] = labelNames[i];
                vals[j++] = texts[i];
            }
        }
        return new Labels(keys, vals);
    }

    private static double numeric(Object value) {
        if (value instanceof Double d) {
            return d;
        }
        if (value instanceof Long l) {
            return l;
        }
        return ((Boolean) value) ? 1.0 : 0.0;
    }
}
