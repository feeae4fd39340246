package dev.dash.model.mapping;

import java.util.Locale;

/** The type a mapped field is converted to. */
public enum FieldType {
    /** A finite double; may be a metric. */
    NUMBER,
    /** A 64-bit integer; may be a metric. */
    INTEGER,
    /** Text; numbers and booleans are converted to their text. */
    STRING,
    /** true or false; as a metric, 1 or 0. */
    BOOLEAN,
    /** An instant, read with a time format; written to records as ISO-8601. */
    TIMESTAMP;

    /**
     * The name used in mapping documents.
     *
     * @return the lower-case name
     */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Whether fields of this type may be metrics.
     *
     * @return true for number, integer and boolean
     */
    public boolean numeric() {
        return this == NUMBER || this == INTEGER || this == BOOLEAN;
    }
}
