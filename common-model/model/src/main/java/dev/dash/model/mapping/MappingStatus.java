package dev.dash.model.mapping;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The status of one mapping version of a pipeline ({@code data_mappings.status}). */
public enum MappingStatus {
    /** Saved and written beside the active one while a replay re-derives history under it. */
    PENDING,
    /** The version dashboards read; at most one per pipeline. */
    ACTIVE,
    /** Was active, replaced by a newer version. */
    RETIRED,
    /** Its replay failed. */
    FAILED,
    /** Its replay was cancelled. */
    CANCELLED;

    /** The name stored in the database and sent on the wire. */
    @JsonValue
    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status of a stored name; IllegalArgumentException for an unknown one. */
    @JsonCreator
    public static MappingStatus of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Whether writers and the pipeline snapshot carry this version ({@code active} or {@code pending}). */
    public boolean live() {
        return this == ACTIVE || this == PENDING;
    }
}
