package dev.dash.model.mapping;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.mapping.MappingError.Code;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** One compiled field: where its value is, how it is transformed, and its type. */
final class FieldPlan {
    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]{0,99}");
    private static final Set<String> PROPS = Set.of(
            "name",
            "path",
            "scope",
            "type",
            "format",
            "pattern",
            "zone",
            "transform",
            "default",
            "required",
            "description");

    final String name;
    final JsonPointer path;
    final boolean rootScope;
    final FieldType type;
    final TimeParser time;
    final Step[] steps;
    final JsonNode defaultValue;
    final boolean required;

    private FieldPlan(
            String name,
            JsonPointer path,
            boolean rootScope,
            FieldType type,
            TimeParser time,
            Step[] steps,
            JsonNode defaultValue,
            boolean required) {
        this.name = name;
        this.path = path;
        this.rootScope = rootScope;
        this.type = type;
        this.time = time;
        this.steps = steps;
        this.defaultValue = defaultValue;
        this.required = required;
    }

    static FieldPlan compile(JsonNode spec, String pointer, Compilation c) {
        if (!c.object(spec, pointer, "a field")) {
            return null;
        }
        int before = c.problems().size();
        c.onlyKnown(spec, pointer, PROPS);
        String name = c.text(spec, pointer, "name", true);
        if (name != null && !NAME.matcher(name).matches()) {
            c.problem(
                    Compilation.child(pointer, "name"),
                    "field names start with a letter or _ and continue with letters, digits, _ or . (at most 100)");
        }
        // A field without a path is a constant: its default, for example 1 to count events.
        JsonPointer path = c.pointer(spec, pointer, "path", !spec.hasNonNull("default"));
        boolean root = c.rootScope(spec, pointer);
        String typeName = c.text(spec, pointer, "type", true);
        FieldType type = null;
        if (typeName != null) {
            try {
                type = FieldType.valueOf(typeName.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                c.problem(
                        Compilation.child(pointer, "type"),
                        "unknown type '" + typeName + "'; expected number, integer, string, boolean or timestamp");
            }
        }
        TimeParser time = null;
        if (type == FieldType.TIMESTAMP) {
            time = TimeParser.compile(spec, pointer, c);
        } else {
            for (String p : List.of("format", "pattern", "zone")) {
                if (spec.has(p)) {
                    c.problem(Compilation.child(pointer, p), "'" + p + "' is only used by fields of type timestamp");
                }
            }
        }
        List<Step> steps = new ArrayList<>();
        JsonNode transform = spec.get("transform");
        if (transform != null && !transform.isNull()) {
            String at = Compilation.child(pointer, "transform");
            if (!transform.isArray() || transform.size() > Step.MAX_STEPS) {
                c.problem(at, "'transform' must be an array of at most " + Step.MAX_STEPS + " steps");
            } else {
                for (int i = 0; i < transform.size(); i++) {
                    steps.add(Step.compile(transform.get(i), Compilation.child(at, i), c));
                }
            }
        }
        JsonNode defaultValue = c.scalar(spec, pointer, "default", false);
        boolean required = c.bool(spec, pointer, "required", true);
        if (c.problems().size() > before) {
            return null;
        }
        FieldPlan plan =
                new FieldPlan(name, path, root, type, time, steps.toArray(Step[]::new), defaultValue, required);
        if (defaultValue != null) {
            Slot probe = new Slot();
            probe.load(defaultValue);
            if (plan.coerce(probe) == null) {
                c.problem(
                        Compilation.child(pointer, "default"),
                        "the default does not fit type " + type.jsonName() + ": " + probe.error);
                return null;
            }
        }
        return plan;
    }

    /**
     * The field's typed value in a row (Double, Long, String, Boolean or Instant), or null when absent; on
     * failure returns null and leaves the error in the slot with {@code errorCode} set.
     */
    Object evaluate(JsonNode item, JsonNode root, Slot v) {
        v.errorCode = null;
        if (path == null) {
            v.setNull();
        } else {
            v.load((rootScope ? root : item).at(path));
        }
        for (Step step : steps) {
            if (!step.apply(v, item, root)) {
                return null;
            }
        }
        if (v.kind == Slot.NULL && defaultValue != null) {
            v.load(defaultValue);
        }
        if (v.kind == Slot.NULL) {
            if (required) {
                v.fail(Code.MISSING, "no value at " + path + (steps.length > 0 ? " after transforms" : ""));
            }
            return null;
        }
        return coerce(v);
    }

    /** Converts a non-null slot to this field's type; null after recording the error in the slot. */
    Object coerce(Slot v) {
        switch (type) {
            case NUMBER -> {
                if (!v.isNumber()) {
                    v.fail(Code.WRONG_TYPE, "expected a number, got " + v.describe() + hint(v));
                    return null;
                }
                double d = v.number();
                if (!Double.isFinite(d)) {
                    v.fail(Code.NOT_FINITE, "the number is " + d);
                    return null;
                }
                return d;
            }
            case INTEGER -> {
                if (v.kind == Slot.LONG) {
                    return v.l;
                }
                if (v.kind == Slot.DOUBLE) {
                    if (!Double.isFinite(v.d)) {
                        v.fail(Code.NOT_FINITE, "the number is " + v.d);
                        return null;
                    }
                    if (v.d != Math.rint(v.d)) {
                        v.fail(Code.INVALID_VALUE, "expected an integer, got " + v.describe() + "; add a round step");
                        return null;
                    }
                    if (v.d < -0x1p63 || v.d >= 0x1p63) {
                        v.fail(Code.OUT_OF_RANGE, v.describe() + " does not fit a 64-bit integer");
                        return null;
                    }
                    return (long) v.d;
                }
                v.fail(Code.WRONG_TYPE, "expected an integer, got " + v.describe() + hint(v));
                return null;
            }
            case BOOLEAN -> {
                if (v.kind != Slot.BOOLEAN) {
                    v.fail(
                            Code.WRONG_TYPE,
                            "expected a boolean, got " + v.describe()
                                    + (v.kind == Slot.STRING ? "; add a parse_boolean step" : ""));
                    return null;
                }
                return v.b;
            }
            case STRING -> {
                String text = v.text();
                if (text == null) {
                    v.fail(Code.WRONG_TYPE, "expected a string, got " + v.describe());
                }
                return text;
            }
            default -> {
                Instant t = time.parse(v);
                return t;
            }
        }
    }

    private static String hint(Slot v) {
        return v.kind == Slot.STRING ? "; add a parse_number step" : "";
    }
}
