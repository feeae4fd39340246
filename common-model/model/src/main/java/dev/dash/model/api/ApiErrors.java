package dev.dash.model.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.List;
import java.util.stream.Collectors;

/** The error bodies every service gives for the same failures, so their exception mappers stay thin. */
public final class ApiErrors {
    private ApiErrors() {}

    /** 400 for a request body Jackson could not read, naming the field (dotted path) where it knows it. */
    public static ApiError fromJson(JsonProcessingException e) {
        String field = "";
        if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
            field = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()))
                    .collect(Collectors.joining("."));
        }
        String reason;
        if (e instanceof UnrecognizedPropertyException) {
            reason = "unknown field";
        } else if (e instanceof InvalidFormatException || e instanceof MismatchedInputException) {
            reason = "wrong type or format";
        } else {
            reason = "the body is not valid JSON";
        }
        return new ApiError(
                400,
                "invalid_request",
                field.isEmpty() ? reason : field + ": " + reason,
                List.of(new FieldError(field.isEmpty() ? "body" : field, reason)));
    }

    /** The body for an HTTP status the framework decided on (no such route, wrong method or media type). */
    public static ApiError fromStatus(int status) {
        return switch (status) {
            case 404 -> new ApiError(404, "not_found", "no such resource", List.of());
            case 405 ->
                new ApiError(405, "method_not_allowed", "this path does not accept that method (see Allow)", List.of());
            case 415 -> new ApiError(415, "unsupported_media_type", "send application/json", List.of());
            case 400 ->
                new ApiError(
                        400,
                        "invalid_request",
                        "the body is not valid JSON of the expected shape",
                        List.of(new FieldError("body", "not valid JSON of the expected shape")));
            default ->
                status < 500
                        ? new ApiError(status, "invalid_request", "the request is not acceptable", List.of())
                        : new ApiError(status, "internal_error", "internal error", List.of());
        };
    }

    /** 401: no or no valid credentials. */
    public static ApiError unauthorized() {
        return new ApiError(401, "unauthorized", "authentication required", List.of());
    }

    /** 500 for anything unexpected; the cause goes to the log, never to the client. */
    public static ApiError internal() {
        return new ApiError(500, "internal_error", "internal error", List.of());
    }
}
