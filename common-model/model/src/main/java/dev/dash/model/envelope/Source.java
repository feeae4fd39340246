package dev.dash.model.envelope;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How an event reached Dash. */
public enum Source {
    /** Pushed by a producer to the ingest endpoint. */
    WEBHOOK("webhook"),
    /** Fetched by a scheduled poll of an HTTP or GraphQL API. */
    POLL("poll"),
    /** Another pipeline's mapped output. */
    P2P("p2p");

    private final String jsonName;

    Source(String jsonName) {
        this.jsonName = jsonName;
    }

    /**
     * The name used in JSON.
     *
     * @return the lower-case name
     */
    @JsonValue
    public String jsonName() {
        return jsonName;
    }

    /**
     * Looks a source up by its JSON name.
     *
     * @param name the name
     * @return the source
     * @throws IllegalArgumentException if unknown
     */
    @JsonCreator
    public static Source fromJsonName(String name) {
        for (Source s : values()) {
            if (s.jsonName.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown source '" + name + "'");
    }
}
