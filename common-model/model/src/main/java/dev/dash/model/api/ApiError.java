package dev.dash.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The one error body of Dash's HTTP APIs: every 4xx and 5xx answer has this shape, never a stack trace.
 *
 * @param status the HTTP status
 * @param error a stable machine-readable code ({@code invalid_request}, {@code not_found}, ...)
 * @param message a human-readable explanation
 * @param fields the input fields at fault, empty when the error is not about one field
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ApiError(int status, String error, String message, List<FieldError> fields) {}
