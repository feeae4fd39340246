package dev.dash.model.mapping;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.mapping.MappingError.Code;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One compiled transform step. Steps change the {@link Slot} in place and pass null through unchanged,
 * except {@code default} and {@code coalesce}, which exist to replace it.
 */
abstract class Step {
    static final int MAX_STEPS = 32;
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d{1,18}");

    final String op;

    Step(String op) {
        this.op = op;
    }

    /** Applies the step; false after recording an error in the slot. */
    abstract boolean apply(Slot v, JsonNode item, JsonNode root);

    /** Tells {@code to} every pointer the step reads of the event (none but for {@code coalesce}). */
    void pointers(PointerSink to) {}

    final boolean wrongType(Slot v, String expected, String hint) {
        return v.fail(Code.WRONG_TYPE, op + " expects " + expected + " but got " + v.describe() + hint);
    }

    static Step compile(JsonNode spec, String pointer, Compilation c) {
        if (!c.object(spec, pointer, "a transform step")) {
            return null;
        }
        String op = c.text(spec, pointer, "op", true);
        if (op == null) {
            return null;
        }
        return switch (op) {
            case "scale" ->
                only(spec, pointer, c, Set.of("by"), () -> {
                    Double by = c.number(spec, pointer, "by", true);
                    return by == null ? null : new Arithmetic(op, by, 0);
                });
            case "offset" ->
                only(spec, pointer, c, Set.of("by"), () -> {
                    Double by = c.number(spec, pointer, "by", true);
                    return by == null ? null : new Arithmetic(op, 1, by);
                });
            case "round" ->
                only(spec, pointer, c, Set.of("digits"), () -> {
                    Integer digits = c.integer(spec, pointer, "digits", 0, 12, 0);
                    return digits == null ? null : new Round(digits);
                });
            case "unit" -> only(spec, pointer, c, Set.of("from", "to"), () -> unit(spec, pointer, c));
            case "parse_number" -> only(spec, pointer, c, Set.of(), ParseNumber::new);
            case "parse_boolean" -> only(spec, pointer, c, Set.of(), ParseBoolean::new);
            case "lowercase", "uppercase", "trim" -> only(spec, pointer, c, Set.of(), () -> new Text(op));
            case "length" -> only(spec, pointer, c, Set.of(), Length::new);
            case "regex_extract" -> only(spec, pointer, c, Set.of("pattern", "group"), () -> regex(spec, pointer, c));
            case "lookup" -> only(spec, pointer, c, Set.of("table", "default"), () -> lookup(spec, pointer, c));
            case "default" ->
                only(spec, pointer, c, Set.of("value"), () -> {
                    JsonNode value = c.scalar(spec, pointer, "value", true);
                    return value == null ? null : new Default(value);
                });
            case "coalesce" -> only(spec, pointer, c, Set.of("paths", "scope"), () -> coalesce(spec, pointer, c));
            default -> {
                c.problem(
                        Compilation.child(pointer, "op"),
                        "unknown op '" + op + "'; expected scale, offset, round, unit, parse_number, parse_boolean,"
                                + " lowercase, uppercase, trim, length, regex_extract, lookup, default or coalesce");
                yield null;
            }
        };
    }

    private interface Factory {
        Step create();
    }

    private static Step only(JsonNode spec, String pointer, Compilation c, Set<String> props, Factory factory) {
        Set<String> allowed = new HashSet<>(props);
        allowed.add("op");
        c.onlyKnown(spec, pointer, allowed);
        return factory.create();
    }

    private static Step unit(JsonNode spec, String pointer, Compilation c) {
        String from = c.text(spec, pointer, "from", true);
        String to = c.text(spec, pointer, "to", true);
        Unit fromUnit = from == null ? null : Unit.bySymbol(from);
        Unit toUnit = to == null ? null : Unit.bySymbol(to);
        if (from != null && fromUnit == null) {
            c.problem(
                    Compilation.child(pointer, "from"), "unknown unit '" + from + "'; known units: " + Unit.symbols());
        }
        if (to != null && toUnit == null) {
            c.problem(Compilation.child(pointer, "to"), "unknown unit '" + to + "'; known units: " + Unit.symbols());
        }
        if (fromUnit == null || toUnit == null) {
            return null;
        }
        if (!fromUnit.dimension.equals(toUnit.dimension)) {
            c.problem(
                    Compilation.child(pointer, "to"),
                    "cannot convert " + fromUnit.dimension + " (" + from + ") to " + toUnit.dimension + " (" + to
                            + ")");
            return null;
        }
        return new UnitConversion(fromUnit, toUnit);
    }

    private static Step regex(JsonNode spec, String pointer, Compilation c) {
        String text = c.text(spec, pointer, "pattern", true);
        if (text == null) {
            return null;
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            c.problem(Compilation.child(pointer, "pattern"), "invalid regular expression: " + e.getDescription());
            return null;
        }
        int groups = pattern.matcher("").groupCount();
        JsonNode group = spec.get("group");
        String at = Compilation.child(pointer, "group");
        if (group == null || group.isNull()) {
            return new RegexExtract(pattern, groups > 0 ? 1 : 0, null);
        }
        if (group.isTextual()) {
            if (!text.contains("(?<" + group.textValue() + ">")) {
                c.problem(at, "the pattern has no group named '" + group.textValue() + "'");
                return null;
            }
            return new RegexExtract(pattern, -1, group.textValue());
        }
        if (!group.isIntegralNumber() || group.intValue() < 0 || group.intValue() > groups) {
            c.problem(at, "'group' must be a group name or a number from 0 to " + groups);
            return null;
        }
        return new RegexExtract(pattern, group.intValue(), null);
    }

    private static Step lookup(JsonNode spec, String pointer, Compilation c) {
        JsonNode table = spec.get("table");
        String at = Compilation.child(pointer, "table");
        if (table == null || !table.isObject() || table.isEmpty() || table.size() > 10_000) {
            c.problem(at, "'table' must be an object of 1 to 10000 entries");
            return null;
        }
        Map<String, JsonNode> entries = new HashMap<>();
        boolean ok = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!Compilation.isScalar(e.getValue())) {
                c.problem(
                        Compilation.child(at, e.getKey()), "lookup values must be strings, finite numbers or booleans");
                ok = false;
            }
            entries.put(e.getKey(), e.getValue());
        }
        JsonNode fallback = c.scalar(spec, pointer, "default", false);
        return ok ? new Lookup(entries, fallback) : null;
    }

    private static Step coalesce(JsonNode spec, String pointer, Compilation c) {
        JsonNode paths = spec.get("paths");
        String at = Compilation.child(pointer, "paths");
        boolean root = c.rootScope(spec, pointer);
        if (paths == null || !paths.isArray() || paths.isEmpty() || paths.size() > 20) {
            c.problem(at, "'paths' must be an array of 1 to 20 JSON Pointers");
            return null;
        }
        JsonPointer[] pointers = new JsonPointer[paths.size()];
        for (int i = 0; i < paths.size(); i++) {
            JsonNode p = paths.get(i);
            if (!p.isTextual()) {
                c.problem(Compilation.child(at, i), "each path must be a string");
                return null;
            }
            pointers[i] = c.pointer(p.textValue(), Compilation.child(at, i));
            if (pointers[i] == null) {
                return null;
            }
        }
        return new Coalesce(pointers, root);
    }

    /** {@code scale} (multiply) and {@code offset} (add). */
    static final class Arithmetic extends Step {
        private final double factor;
        private final double addend;

        Arithmetic(String op, double factor, double addend) {
            super(op);
            this.factor = factor;
            this.addend = addend;
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode root) {
            if (v.kind == Slot.NULL) {
                return true;
            }
            if (!v.isNumber()) {
                return wrongType(v, "a number", v.kind == Slot.STRING ? "; add a parse_number step first" : "");
            }
            v.setDouble(v.number() * factor + addend);
            return true;
        }
    }

    /** {@code round}: half away from zero, on the decimal value the double prints as. */
    static final class Round extends Step {
        private final int digits;

        Round(int digits) {
            super("round");
            this.digits = digits;
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode root) {
            if (v.kind == Slot.NULL || v.kind == Slot.LONG) {
                return true;
            }
            if (v.kind != Slot.DOUBLE) {
                return wrongType(v, "a number", v.kind == Slot.STRING ? "; add a parse_number step first" : "");
            }
            if (!Double.isFinite(v.d)) {
                return v.fail(Code.NOT_FINITE, "cannot round " + v.d);
            }
            v.setDouble(BigDecimal.valueOf(v.d)
                    .setScale(digits, RoundingMode.HALF_UP)
                    .doubleValue());
            return true;
        }
    }

    /** {@code unit}. */
    static final class UnitConversion extends Step {
        private final Unit from;
        private final Unit to;

        UnitConversion(Unit from, Unit to) {
            super("unit");
            this.from = from;
            this.to = to;
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode root) {
            if (v.kind == Slot.NULL) {
                return true;
            }
            if (!v.isNumber()) {
                return wrongType(v, "a number", v.kind == Slot.STRING ? "; add a parse_number step first" : "");
            }
            v.setDouble(from.convert(v.number(), to));
            return true;
        }
    }

    /** {@code parse_number}: decimal text (with optional exponent) to a number; numbers pass through. */
    static final class ParseNumber extends Step {
        ParseNumber() {
            super("parse_number");
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode root) {
            if (v.kind == Slot.NULL || v.isNumber()) {
                return true;
            }
            if (v.kind != Slot.STRING) {
                return wrongType(v, "a numeric string", "");
            }
            String text = v.s.trim();
            if (text.length() > 100 || !DECIMAL.matcher(text).matches()) {
                return v.fail(Code.INVALID_VALUE, "cannot read " + v.describe() + " as a number");
            }
            if (INTEGER.matcher(text).matches()) {
                v.setLong(Long.parseLong(text));
            } else {
                v.setDouble(Double.parseDouble(text));
            }
            return true;
        }
    }

    /** {@code parse_boolean}: true/false, yes/no, on/off, 1/0. */
    static final class ParseBoolean extends Step {
        ParseBoolean() {
            super("parse_boolean");
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode root) {
            switch (v.kind) {
                case Slot.NULL, Slot.BOOLEAN -> {
                    return true;
                }
                case Slot.LONG -> {
                    if (v.l == 0 || v.l == 1) {
                        v.setBoolean(v.l == 1);
                        return true;
                    }
                }
                case Slot.STRING -> {
                    switch (v.s.trim().toLowerCase(Locale.ROOT)) {
                        case "true", "yes", "on", "1" -> {
                            v.setBoolean(true);
                            return true;
                        }
                        case "false", "no", "off", "0" -> {
                            v.setBoolean(false);
                            return true;
                        }
                        default -> {}
                    }
                }
                default -> {}
            }
            return v.fail(Code.INVALID_VALUE, "cannot read " + v.describe() + " as a boolean");
        }
    }

    /** {@code lowercase}, {@code uppercase}, {@code trim}. */
    static final class Text extends Step {
        Text(String op) {
            super(op);
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode root) {
            if (v.kind == Slot.NULL) {
                return true;
            }
            if (v.kind != Slot.STRING) {
                return wrongType(v, "a string", "");
            }
            v.s = switch (op) {
                case "lowercase" -> v.s.toLowerCase(Locale.ROOT);
                case "uppercase" -> v.s.toUpperCase(Locale.ROOT);
                default -> v.s.strip();
            };
            return true;
        }
    }

    /** {@code length}: characters of a string, elements of an array, properties of an object. */
    static final class Length extends Step {
        Length() {
            super("length");
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode root) {
            switch (v.kind) {
                case Slot.NULL -> {
                    return true;
                }
                case Slot.STRING -> {
                    v.setLong(v.s.codePointCount(0, v.s.length()));
                    return true;
                }
                case Slot.NODE -> {
                    if (v.node.isContainerNode()) {
                        v.setLong(v.node.size());
                        return true;
                    }
                    return wrongType(v, "a string, an array or an object", "");
                }
                default -> {
                    return wrongType(v, "a string, an array or an object", "");
                }
            }
        }
    }

    /** {@code regex_extract}: the group of the first match, or null when nothing matches. */
    static final class RegexExtract extends Step {
        private final Pattern pattern;
        private final int group;
        private final String groupName;

        RegexExtract(Pattern pattern, int group, String groupName) {
            super("regex_extract");
            this.pattern = pattern;
            this.group = group;
            this.groupName = groupName;
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode root) {
            if (v.kind == Slot.NULL) {
                return true;
            }
            if (v.kind != Slot.STRING) {
                return wrongType(v, "a string", "");
            }
            Matcher m = pattern.matcher(v.s);
            if (!m.find()) {
                v.setNull();
                return true;
            }
            String found = groupName != null ? m.group(groupName) : m.group(group);
            if (found == null) {
                v.setNull();
            } else {
                v.setString(found);
            }
            return true;
        }
    }

    /** {@code lookup}: replaces a value by its table entry (keys are the value's text). */
    static final class Lookup extends Step {
        private final Map<String, JsonNode> table;
        private final JsonNode fallback;

        Lookup(Map<String, JsonNode> table, JsonNode fallback) {
            super("lookup");
            this.table = table;
            this.fallback = fallback;
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode root) {
            if (v.kind == Slot.NULL) {
                return true;
            }
            String key = v.text();
            if (key == null) {
                return wrongType(v, "a string, a number or a boolean", "");
            }
            JsonNode found = table.get(key);
            if (found == null) {
                if (fallback == null) {
                    return v.fail(
                            Code.INVALID_VALUE, "no lookup entry for \"" + Slot.truncate(key) + "\" and no default");
                }
                found = fallback;
            }
            v.load(found);
            return true;
        }
    }

    /** {@code default}: a constant when the value is null or absent. */
    static final class Default extends Step {
        private final JsonNode value;

        Default(JsonNode value) {
            super("default");
            this.value = value;
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode root) {
            if (v.kind == Slot.NULL) {
                v.load(value);
            }
            return true;
        }
    }

    /** {@code coalesce}: the first non-null of other paths when the value is null or absent. */
    static final class Coalesce extends Step {
        private final JsonPointer[] paths;
        private final boolean root;

        Coalesce(JsonPointer[] paths, boolean root) {
            super("coalesce");
            this.paths = paths;
            this.root = root;
        }

        @Override
        void pointers(PointerSink to) {
            for (JsonPointer p : paths) {
                to.add(p, root);
            }
        }

        @Override
        boolean apply(Slot v, JsonNode item, JsonNode rootNode) {
            if (v.kind != Slot.NULL) {
                return true;
            }
            JsonNode base = root ? rootNode : item;
            for (JsonPointer p : paths) {
                JsonNode n = base.at(p);
                if (!n.isMissingNode() && !n.isNull()) {
                    v.load(n);
                    return true;
                }
            }
            return true;
        }
    }
}
