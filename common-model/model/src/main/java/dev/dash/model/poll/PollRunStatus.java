package dev.dash.model.poll;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a polled pipeline's last run ended ({@code poll_state.last_status}). */
public enum PollRunStatus {
    /** Every page up to the last one was fetched and published. */
    OK,
    /** The run's page limit was reached; the next run continues from the saved position. */
    PARTIAL,
    /** The source kept answering 429 (or asked for a longer wait than allowed); the next run waits for it. */
    RATE_LIMITED,
    /** The run failed (source, configuration or an open circuit breaker); the error is kept beside it. */
    ERROR;

    /** The name stored in the database and sent on the wire. */
    @JsonValue
    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status of a stored name; IllegalArgumentException for an unknown one. */
    @JsonCreator
    public static PollRunStatus of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
