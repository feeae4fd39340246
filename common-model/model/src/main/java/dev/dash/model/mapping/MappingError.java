package dev.dash.model.mapping;

/**
 * Why an event could not be mapped: the caller stores the event in quarantine with these errors.
 *
 * @param field the mapping field that failed, or one of {@link #BODY}, {@link #TIME}, {@link #EXPLODE},
 *     {@link #ENGINE}
 * @param code the kind of failure, for metrics and filtering
 * @param reason a human-readable explanation with the offending value (truncated)
 * @param index the position in the exploded array, or -1 when the mapping does not explode or the error
 *     concerns the whole event
 */
public record MappingError(String field, Code code, String reason, int index) {

    /** Field name for errors about the body itself (not JSON, empty). */
    public static final String BODY = "$body";

    /** Field name for errors of storing the mapped rows ({@link Code#NOT_STORABLE}). */
    public static final String STORE = "$store";

    /** Field name for errors reading the event time. */
    public static final String TIME = "$time";

    /** Field name for errors finding the array to explode. */
    public static final String EXPLODE = "$explode";

    /** Field name for a defect in the engine itself; never expected, reported rather than thrown. */
    public static final String ENGINE = "$engine";

    /** Kinds of mapping failure. */
    public enum Code {
        /** The body is not exactly one JSON document within the parsing limits. */
        INVALID_JSON,
        /** A required value is absent or null. */
        MISSING,
        /** A value has a JSON type the field or a transform step cannot take. */
        WRONG_TYPE,
        /** A value has the right type but cannot be used (unparseable text, unknown lookup key). */
        INVALID_VALUE,
        /** A number is NaN or infinite, for example after overflow. */
        NOT_FINITE,
        /** A number or time is outside the range that can be stored. */
        OUT_OF_RANGE,
        /** The array to explode is longer than the mapping allows. */
        TOO_MANY_ITEMS,
        /** A defect in the engine; the event is quarantined rather than lost. */
        INTERNAL,
        /**
         * The event mapped, but PostgreSQL refused to store a value of it (field {@link #STORE}, its message as
         * the reason); the event is quarantined rather than holding up the others.
         */
        NOT_STORABLE
    }
}
