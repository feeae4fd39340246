package dev.dash.model.inference;

import dev.dash.model.mapping.FieldType;

/**
 * What inference concluded about one leaf of the samples, shown next to the proposed mapping so a user can
 * see why a field became a metric, a label, the time, or nothing.
 *
 * @param path JSON Pointer of the leaf (relative to each exploded element when the mapping explodes)
 * @param name the field name proposed for it
 * @param type the type inferred from the samples
 * @param role what the leaf became
 * @param presentIn how many sample rows have a non-null value there
 * @param distinctValues distinct values seen (capped), for strings and booleans; -1 for numbers
 * @param reason why it got its role
 */
public record FieldSuggestion(
        String path, String name, FieldType type, Role role, int presentIn, int distinctValues, String reason) {

    /** What a leaf became in the proposed mapping. */
    public enum Role {
        /** The event time. */
        TIME,
        /** A metric: each event gives a point. */
        METRIC,
        /** A label on every point. */
        LABEL,
        /** Left out of the mapping. */
        IGNORED
    }
}
