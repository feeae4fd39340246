package dev.dash.model.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A pipeline's status ({@code pipelines.status}, {@code PipelineConfig.status}). */
public enum PipelineStatus {
    /** Takes pushes and polls. */
    ACTIVE,
    /** Paused by an admin: pushes are refused, nothing is polled. */
    PAUSED,
    /** Stopped by the platform (a source that keeps failing); an admin resumes it. */
    ERROR;

    // Kept, not derived per call: the ingest path asks it of every request's pipeline.
    private final String dbName = name().toLowerCase(Locale.ROOT);

    /** The name stored in the database and sent on the wire. */
    @JsonValue
    public String dbName() {
        return dbName;
    }

    /** The status of a stored name; IllegalArgumentException for an unknown one. */
    @JsonCreator
    public static PipelineStatus of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
