package dev.dash.model.signature;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Objects;

/**
 * The outcome of checking one request's signature, kept in the raw envelope.
 *
 * @param status verified, failed, or not required (polled and pipeline-to-pipeline events)
 * @param preset the scheme that was checked; null when not required
 * @param reason why verification failed; null unless failed
 * @param detail a human-readable precision on the reason (never contains secret material); null if none
 * @param deliveryId the provider's delivery id, for dedupe; null if the request carries none
 * @param secretId id of the secret whose signature matched; null unless verified
 */
public record VerificationResult(
        Status status, Preset preset, Reason reason, String detail, String deliveryId, String secretId) {

    /** Whether the request was checked and with what result. */
    public enum Status {
        /** A signature matched an active secret within the timestamp tolerance. */
        VERIFIED("verified"),
        /** The request must be rejected; see {@link Reason}. */
        FAILED("failed"),
        /** The source is not signed (polls, pipeline-to-pipeline). */
        NOT_REQUIRED("not_required");

        private final String jsonName;

        Status(String jsonName) {
            this.jsonName = jsonName;
        }

        /**
         * The name used in JSON.
         *
         * @return the snake_case name
         */
        @JsonValue
        public String jsonName() {
            return jsonName;
        }

        /**
         * Looks a status up by its JSON name.
         *
         * @param name the name
         * @return the status
         * @throws IllegalArgumentException if unknown
         */
        @JsonCreator
        public static Status fromJsonName(String name) {
            for (Status s : values()) {
                if (s.jsonName.equals(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown verification status '" + name + "'");
        }
    }

    /** Why a request failed verification; each maps to a 401 with this reason in the body. */
    public enum Reason {
        /** A header the scheme requires is absent. */
        MISSING_HEADER,
        /** A header is present but cannot be parsed (or appears more than once). */
        MALFORMED_HEADER,
        /** No signature matches any active secret. */
        BAD_SIGNATURE,
        /** The signed timestamp is further from now than the pipeline's tolerance. */
        TIMESTAMP_OUT_OF_TOLERANCE,
        /** The pipeline has no secret that is unexpired and usable with this scheme. */
        NO_ACTIVE_SECRET;

        /**
         * The name used in JSON and HTTP error bodies.
         *
         * @return the snake_case name
         */
        @JsonValue
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Looks a reason up by its JSON name.
         *
         * @param name the name
         * @return the reason
         * @throws IllegalArgumentException if unknown
         */
        @JsonCreator
        public static Reason fromJsonName(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /** Checks that the components agree with the status. */
    public VerificationResult {
        Objects.requireNonNull(status, "status");
        if (status == Status.FAILED && reason == null) {
            throw new IllegalArgumentException("a failed verification needs a reason");
        }
        if (status != Status.FAILED && reason != null) {
            throw new IllegalArgumentException("only a failed verification has a reason");
        }
        if (status != Status.NOT_REQUIRED && preset == null) {
            throw new IllegalArgumentException("a checked verification names its preset");
        }
    }

    /**
     * A successful verification.
     *
     * @param preset the scheme
     * @param secretId the secret that matched
     * @param deliveryId the provider's delivery id, or null
     * @return the result
     */
    public static VerificationResult verified(Preset preset, String secretId, String deliveryId) {
        return new VerificationResult(Status.VERIFIED, preset, null, null, deliveryId, secretId);
    }

    /**
     * A failed verification.
     *
     * @param preset the scheme
     * @param reason why
     * @param detail precision for the producer, or null
     * @param deliveryId the provider's delivery id if it could be read, or null
     * @return the result
     */
    public static VerificationResult failed(Preset preset, Reason reason, String detail, String deliveryId) {
        return new VerificationResult(Status.FAILED, preset, reason, detail, deliveryId, null);
    }

    /**
     * The result for sources that are not signed.
     *
     * @return the result
     */
    public static VerificationResult notRequired() {
        return new VerificationResult(Status.NOT_REQUIRED, null, null, null, null, null);
    }

    /**
     * Whether a signature was checked and matched.
     *
     * @return true if verified
     */
    public boolean isVerified() {
        return status == Status.VERIFIED;
    }

    /**
     * Whether the request must be rejected.
     *
     * @return true if failed
     */
    public boolean isFailed() {
        return status == Status.FAILED;
    }
}
