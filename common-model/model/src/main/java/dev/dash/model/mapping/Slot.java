package dev.dash.model.mapping;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The value a field carries through its transform steps: a mutable scratch holder, one per apply call, so
 * numeric chains allocate nothing. Errors are recorded here by the step that failed.
 */
final class Slot {
    static final int NULL = 0;
    static final int LONG = 1;
    static final int DOUBLE = 2;
    static final int STRING = 3;
    static final int BOOLEAN = 4;
    static final int NODE = 5;

    int kind;
    long l;
    double d;
    String s;
    boolean b;
    JsonNode node;

    MappingError.Code errorCode;
    String error;

    void load(JsonNode n) {
        node = null;
        s = null;
        switch (n.getNodeType()) {
            case NUMBER -> {
                if (n.isIntegralNumber() && n.canConvertToLong()) {
                    kind = LONG;
                    l = n.longValue();
                } else {
                    // Integers beyond 64 bits and all fractions become doubles; overflow shows as infinity.
                    kind = DOUBLE;
                    d = n.doubleValue();
                }
            }
            case STRING -> {
                kind = STRING;
                s = n.textValue();
            }
            case BOOLEAN -> {
                kind = BOOLEAN;
                b = n.booleanValue();
            }
            case MISSING, NULL -> kind = NULL;
            default -> {
                kind = NODE;
                node = n;
            }
        }
    }

    void setNull() {
        kind = NULL;
        s = null;
        node = null;
    }

    void setDouble(double value) {
        kind = DOUBLE;
        d = value;
    }

    void setLong(long value) {
        kind = LONG;
        l = value;
    }

    void setString(String value) {
        kind = STRING;
        s = value;
    }

    void setBoolean(boolean value) {
        kind = BOOLEAN;
        b = value;
    }

    boolean isNumber() {
        return kind == LONG || kind == DOUBLE;
    }

    double number() {
        return kind == LONG ? l : d;
    }

    boolean fail(MappingError.Code code, String message) {
        errorCode = code;
        error = message;
        return false;
    }

    /** The value as text for lookups and labels; null for containers. */
    String text() {
        return switch (kind) {
            case STRING -> s;
            case LONG -> Long.toString(l);
            case DOUBLE -> numberText(d);
            case BOOLEAN -> b ? "true" : "false";
            default -> null;
        };
    }

    static String numberText(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    /** A short description of the value for error messages. */
    String describe() {
        return switch (kind) {
            case NULL -> "null";
            case LONG -> "number " + l;
            case DOUBLE -> "number " + d;
            case STRING -> "string \"" + truncate(s) + "\"";
            case BOOLEAN -> "boolean " + b;
            default ->
                node.isArray()
                        ? "an array"
                        : node.isObject() ? "an object" : node.getNodeType().toString();
        };
    }

    static String truncate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
