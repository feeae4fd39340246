package dev.dash.model.mapping;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Reads a mapping document while collecting every problem with its location, instead of stopping at the first. */
final class Compilation {
    private final List<MappingProblem> problems = new ArrayList<>();

    void problem(String pointer, String message) {
        problems.add(new MappingProblem(pointer, message));
    }

    List<MappingProblem> problems() {
        return problems;
    }

    boolean failed() {
        return !problems.isEmpty();
    }

    static String child(String pointer, String token) {
        return pointer + "/" + token.replace("~", "~0").replace("/", "~1");
    }

    static String child(String pointer, int index) {
        return pointer + "/" + index;
    }

    boolean object(JsonNode node, String pointer, String what) {
        if (node == null || !node.isObject()) {
            problem(pointer, what + " must be a JSON object");
            return false;
        }
        return true;
    }

    /** Reports every property of {@code node} not in {@code allowed}; true if there were none. */
    boolean onlyKnown(JsonNode node, String pointer, Set<String> allowed) {
        boolean ok = true;
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                problem(
                        child(pointer, name),
                        "unknown property '" + name + "'; expected one of " + new TreeSet<>(allowed));
                ok = false;
            }
        }
        return ok;
    }

    String text(JsonNode parent, String pointer, String name, boolean required) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                problem(child(pointer, name), "'" + name + "' is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            problem(child(pointer, name), "'" + name + "' must be a string");
            return null;
        }
        return v.textValue();
    }

    Double number(JsonNode parent, String pointer, String name, boolean required) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                problem(child(pointer, name), "'" + name + "' is required");
            }
            return null;
        }
        if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
            problem(child(pointer, name), "'" + name + "' must be a finite number");
            return null;
        }
        return v.doubleValue();
    }

    Integer integer(JsonNode parent, String pointer, String name, int min, int max, Integer fallback) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            problem(child(pointer, name), "'" + name + "' must be an integer from " + min + " to " + max);
            return null;
        }
        return v.intValue();
    }

    Boolean bool(JsonNode parent, String pointer, String name, boolean fallback) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            problem(child(pointer, name), "'" + name + "' must be true or false");
            return fallback;
        }
        return v.booleanValue();
    }

    /** A constant: a string, a number or a boolean. */
    JsonNode scalar(JsonNode parent, String pointer, String name, boolean required) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                problem(child(pointer, name), "'" + name + "' is required");
            }
            return null;
        }
        if (!isScalar(v)) {
            problem(child(pointer, name), "'" + name + "' must be a string, a finite number or a boolean");
            return null;
        }
        return v;
    }

    static boolean isScalar(JsonNode v) {
        return v.isTextual() || v.isBoolean() || (v.isNumber() && Double.isFinite(v.doubleValue()));
    }

    /** A JSON Pointer given as text, with a hint for the JSONPath habit of writing {@code $.a.b}. */
    JsonPointer pointer(JsonNode parent, String pointer, String name, boolean required) {
        String text = text(parent, pointer, name, required);
        return text == null ? null : pointer(text, child(pointer, name));
    }

    JsonPointer pointer(String text, String at) {
        if (text.startsWith("$")) {
            String hint = "/" + text.replaceFirst("^\\$\\.?", "").replace('.', '/');
            problem(
                    at,
                    "paths are JSON Pointers (RFC 6901), not JSONPath: write '" + hint + "' instead of '" + text + "'");
            return null;
        }
        try {
            return JsonPointer.compile(text);
        } catch (IllegalArgumentException e) {
            problem(at, "not a JSON Pointer (RFC 6901) such as /data/amount: " + e.getMessage());
            return null;
        }
    }

    /** {@code "item"} (the default) or {@code "root"}: which node a path starts from. */
    boolean rootScope(JsonNode parent, String pointer) {
        String scope = text(parent, pointer, "scope", false);
        if (scope == null || scope.equals("item")) {
            return false;
        }
        if (scope.equals("root")) {
            return true;
        }
        problem(child(pointer, "scope"), "'scope' must be 'item' or 'root'");
        return false;
    }
}
