package dev.dash.model.replay;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a replay is in its life ({@code replays.state}, {@link Replay#state()}), in the order it goes. */
public enum ReplayState {
    QUEUED,
    WAITING_FOR_ARCHIVE,
    RUNNING,
    CUTTING_OVER,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    /** The name stored in the database and sent on the wire. */
    @JsonValue
    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The state of a stored name; IllegalArgumentException for an unknown one. */
    @JsonCreator
    public static ReplayState of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Whether the replay never leaves this state ({@code succeeded}, {@code failed}, {@code cancelled}). */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
