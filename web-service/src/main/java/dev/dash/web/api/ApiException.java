package dev.dash.web.api;

import java.util.List;

/** A refusal the service layer decides on; {@link ErrorMappers} turns it into an {@link ApiError}. */
public class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;
    private final transient List<FieldError> fields;

    public ApiException(int status, String error, String message, List<FieldError> fields) {
        super(message, null, false, false);
        this.status = status;
        this.error = error;
        this.fields = List.copyOf(fields);
    }

    /** 400 about one field. */
    public static ApiException invalid(String field, String reason) {
        return new ApiException(400, "invalid_request", field + ": " + reason, List.of(new FieldError(field, reason)));
    }

    /** 400 about several fields. */
    public static ApiException invalid(List<FieldError> fields) {
        return new ApiException(
                400, "invalid_request", "the request has " + fields.size() + " invalid field(s)", fields);
    }

    /**
     * 404. Also the answer for anything of a team the caller is not in, so ids of other teams do not leak.
     */
    public static ApiException notFound(String what) {
        return new ApiException(404, "not_found", what + " not found", List.of());
    }

    /** 403: the caller is in the team but their role does not allow this. */
    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message, List.of());
    }

    /** 409: the request conflicts with the current state. */
    public static ApiException conflict(String message) {
        return new ApiException(409, "conflict", message, List.of());
    }

    /** 409 about one field. */
    public static ApiException conflict(String field, String reason) {
        return new ApiException(409, "conflict", field + ": " + reason, List.of(new FieldError(field, reason)));
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public List<FieldError> fields() {
        return fields;
    }

    public ApiError body() {
        return new ApiError(status, error, getMessage(), fields);
    }
}
