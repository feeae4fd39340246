package dev.dash.model.api;

import java.util.List;

/** A refusal a service decides on; each service's exception mappers turn it into an {@link ApiError}. */
public class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ApiError body;

    /** A refusal with the given error body. */
    public ApiException(ApiError body) {
        super(body.message(), null, false, false);
        this.body = body;
    }

    /** 400 about one field. */
    public static ApiException invalid(String field, String reason) {
        return new ApiException(
                new ApiError(400, "invalid_request", field + ": " + reason, List.of(new FieldError(field, reason))));
    }

    /** 400 about several fields. */
    public static ApiException invalid(List<FieldError> fields) {
        return new ApiException(new ApiError(
                400, "invalid_request", "the request has " + fields.size() + " invalid field(s)", List.copyOf(fields)));
    }

    /** 404; also the answer for anything of a team the caller is not in, so ids of other teams do not leak. */
    public static ApiException notFound(String what) {
        return new ApiException(new ApiError(404, "not_found", what + " not found", List.of()));
    }

    /** 403: the caller is in the team but their role does not allow this. */
    public static ApiException forbidden(String message) {
        return new ApiException(new ApiError(403, "forbidden", message, List.of()));
    }

    /** 409: the request conflicts with the current state. */
    public static ApiException conflict(String message) {
        return new ApiException(new ApiError(409, "conflict", message, List.of()));
    }

    /** 409 about one field. */
    public static ApiException conflict(String field, String reason) {
        return new ApiException(
                new ApiError(409, "conflict", field + ": " + reason, List.of(new FieldError(field, reason))));
    }

    /** The error body to send. */
    public ApiError body() {
        return body;
    }
}
