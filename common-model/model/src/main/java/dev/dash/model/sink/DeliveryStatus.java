package dev.dash.model.sink;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where one sink delivery is ({@code sink_deliveries.status}), in the order it goes. */
public enum DeliveryStatus {
    /** A batch still taking points until it is full or its wait is over. */
    COLLECTING,
    /** Due at {@code next_attempt_at}: not sent yet, or sent and due for a retry. */
    PENDING,
    /** The destination took it. */
    DELIVERED,
    /** Its retries are spent. */
    FAILED;

    /** The name stored in the database and sent on the wire. */
    @JsonValue
    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status of a stored name; IllegalArgumentException for an unknown one. */
    @JsonCreator
    public static DeliveryStatus of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
