package dev.dash.model.mapping;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** A compiled filter predicate; evaluation never fails: a value of the wrong type simply does not match. */
abstract class Condition {
    private static final Set<String> LEAF_OPS = Set.of("eq", "ne", "in", "exists", "gt", "gte", "lt", "lte", "matches");
    private static final Set<String> LEAF_PROPS =
            Set.of("path", "scope", "eq", "ne", "in", "exists", "gt", "gte", "lt", "lte", "matches");
    private static final int MAX_DEPTH = 16;

    abstract boolean test(JsonNode item, JsonNode root);

    /** Tells {@code to} every pointer the condition reads of the event. */
    abstract void pointers(PointerSink to);

    static Condition compile(JsonNode spec, String pointer, Compilation c) {
        return compile(spec, pointer, c, 0);
    }

    private static Condition compile(JsonNode spec, String pointer, Compilation c, int depth) {
        if (!c.object(spec, pointer, "a filter condition")) {
            return null;
        }
        if (depth > MAX_DEPTH) {
            c.problem(pointer, "filter conditions nest deeper than " + MAX_DEPTH + " levels");
            return null;
        }
        if (spec.size() == 1 && (spec.has("all") || spec.has("any"))) {
            boolean all = spec.has("all");
            String name = all ? "all" : "any";
            JsonNode list = spec.get(name);
            String at = Compilation.child(pointer, name);
            if (!list.isArray() || list.isEmpty() || list.size() > 100) {
                c.problem(at, "'" + name + "' must be an array of 1 to 100 conditions");
                return null;
            }
            List<Condition> parts = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                parts.add(compile(list.get(i), Compilation.child(at, i), c, depth + 1));
            }
            Condition[] array = parts.toArray(Condition[]::new);
            return all ? new All(array) : new Any(array);
        }
        if (spec.size() == 1 && spec.has("not")) {
            Condition inner = compile(spec.get("not"), Compilation.child(pointer, "not"), c, depth + 1);
            return inner == null ? null : new Not(inner);
        }
        if (!spec.has("path")) {
            c.problem(
                    pointer,
                    "a condition is {\"path\": ..., <operator>: ...}, {\"all\": [...]}, {\"any\": [...]} or {\"not\": {...}}");
            return null;
        }
        c.onlyKnown(spec, pointer, LEAF_PROPS);
        JsonPointer path = c.pointer(spec, pointer, "path", true);
        boolean root = c.rootScope(spec, pointer);
        String op = null;
        for (Iterator<String> it = spec.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (LEAF_OPS.contains(name)) {
                if (op != null) {
                    c.problem(
                            Compilation.child(pointer, name),
                            "a condition has exactly one operator; found '" + op + "' and '" + name + "'");
                    return null;
                }
                op = name;
            }
        }
        if (op == null) {
            c.problem(pointer, "a condition needs one operator: " + LEAF_OPS);
            return null;
        }
        JsonNode arg = spec.get(op);
        String at = Compilation.child(pointer, op);
        Leaf leaf = switch (op) {
            case "eq", "ne" -> {
                if (!arg.isNull() && !Compilation.isScalar(arg)) {
                    c.problem(at, "'" + op + "' compares with a string, a number, a boolean or null");
                    yield null;
                }
                JsonNode value = arg;
                boolean negate = op.equals("ne");
                yield node -> equal(node, value) != negate;
            }
            case "in" -> {
                if (!arg.isArray() || arg.isEmpty()) {
                    c.problem(at, "'in' takes a non-empty array of values");
                    yield null;
                }
                List<JsonNode> values = new ArrayList<>();
                arg.forEach(values::add);
                yield node -> values.stream().anyMatch(v -> equal(node, v));
            }
            case "exists" -> {
                if (!arg.isBoolean()) {
                    c.problem(at, "'exists' takes true or false");
                    yield null;
                }
                boolean wanted = arg.booleanValue();
                yield node -> (!node.isMissingNode() && !node.isNull()) == wanted;
            }
            case "gt", "gte", "lt", "lte" -> {
                if (!arg.isNumber() || !Double.isFinite(arg.doubleValue())) {
                    c.problem(at, "'" + op + "' takes a finite number");
                    yield null;
                }
                double bound = arg.doubleValue();
                yield switch (op) {
                    case "gt" -> node -> node.isNumber() && node.doubleValue() > bound;
                    case "gte" -> node -> node.isNumber() && node.doubleValue() >= bound;
                    case "lt" -> node -> node.isNumber() && node.doubleValue() < bound;
                    default -> node -> node.isNumber() && node.doubleValue() <= bound;
                };
            }
            default -> {
                if (!arg.isTextual()) {
                    c.problem(at, "'matches' takes a regular expression string");
                    yield null;
                }
                try {
                    Pattern regex = Pattern.compile(arg.textValue());
                    yield node ->
                            node.isTextual() && regex.matcher(node.textValue()).find();
                } catch (PatternSyntaxException e) {
                    c.problem(at, "invalid regular expression: " + e.getDescription());
                    yield null;
                }
            }
        };
        return path == null || leaf == null ? null : new Test(path, root, leaf);
    }

    private static boolean equal(JsonNode node, JsonNode value) {
        if (value.isNull()) {
            return node.isNull() || node.isMissingNode();
        }
        if (value.isNumber()) {
            return node.isNumber() && node.doubleValue() == value.doubleValue();
        }
        return node.equals(value);
    }

    private interface Leaf {
        boolean test(JsonNode node);
    }

    private static final class Test extends Condition {
        private final JsonPointer path;
        private final boolean root;
        private final Leaf leaf;

        Test(JsonPointer path, boolean root, Leaf leaf) {
            this.path = path;
            this.root = root;
            this.leaf = leaf;
        }

        @Override
        boolean test(JsonNode item, JsonNode rootNode) {
            return leaf.test((root ? rootNode : item).at(path));
        }

        @Override
        void pointers(PointerSink to) {
            to.add(path, root);
        }
    }

    /** A condition over several: it reads what its parts read. */
    private abstract static class Parts extends Condition {
        final Condition[] parts;

        Parts(Condition[] parts) {
            this.parts = parts;
        }

        @Override
        void pointers(PointerSink to) {
            for (Condition p : parts) {
                if (p != null) {
                    p.pointers(to);
                }
            }
        }
    }

    private static final class All extends Parts {
        All(Condition[] parts) {
            super(parts);
        }

        @Override
        boolean test(JsonNode item, JsonNode root) {
            for (Condition p : parts) {
                if (!p.test(item, root)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final class Any extends Parts {
        Any(Condition[] parts) {
            super(parts);
        }

        @Override
        boolean test(JsonNode item, JsonNode root) {
            for (Condition p : parts) {
                if (p.test(item, root)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class Not extends Condition {
        private final Condition inner;

        Not(Condition inner) {
            this.inner = inner;
        }

        @Override
        void pointers(PointerSink to) {
            inner.pointers(to);
        }

        @Override
        boolean test(JsonNode item, JsonNode root) {
            return !inner.test(item, root);
        }
    }
}
