package dev.dash.replay.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.dash.model.api.ApiError;
import dev.dash.model.api.ApiException;
import dev.dash.model.api.FieldError;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into the one {@link ApiError} shape; nothing internal reaches the client. */
public class ErrorMappers {

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return respond(e.body());
    }

    // The exact types, so they win over the Jackson extension's own mappers (which answer without a body).
    @ServerExceptionMapper(priority = 1)
    public Response mismatched(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper(priority = 1)
    public Response unrecognized(UnrecognizedPropertyException e) {
        return json(e);
    }

    @ServerExceptionMapper(priority = 1)
    public Response invalidFormat(InvalidFormatException e) {
        return json(e);
    }

    @ServerExceptionMapper(priority = 1)
    public Response parse(JsonParseException e) {
        return json(e);
    }

    @ServerExceptionMapper(priority = 1)
    public Response json(JsonProcessingException e) {
        String field = "";
        if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
            field = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()))
                    .collect(Collectors.joining("."));
        }
        String reason = e instanceof UnrecognizedPropertyException
                ? "unknown field"
                : e instanceof MismatchedInputException ? "wrong type or format" : "the body is not valid JSON";
        return respond(new ApiError(
                400,
                "invalid_request",
                field.isEmpty() ? reason : field + ": " + reason,
                List.of(new FieldError(field.isEmpty() ? "body" : field, reason))));
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return respond(new ApiError(401, "unauthorized", "authentication required", List.of()));
    }

    @ServerExceptionMapper
    public Response authFailed(AuthenticationFailedException e) {
        return respond(new ApiError(401, "unauthorized", "authentication required", List.of()));
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(new ApiError(403, "forbidden", "not allowed", List.of()));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            Log.errorf(e, "Request failed with %d", status);
            return respond(new ApiError(status, "internal_error", "internal error", List.of()));
        }
        if (status == 400) {
            // Bodies the JSON reader gave up on before Jackson named a field (e.g. cut off mid-document).
            return respond(new ApiError(
                    400,
                    "invalid_request",
                    "the body is not valid JSON of the expected shape",
                    List.of(new FieldError("body", "not valid JSON of the expected shape"))));
        }
        String error = switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 415 -> "unsupported_media_type";
            default -> "invalid_request";
        };
        return respond(new ApiError(status, error, e.getMessage(), List.of()));
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response anything(Throwable e) {
        Log.errorf(e, "Unhandled error");
        return respond(new ApiError(500, "internal_error", "internal error", List.of()));
    }

    private static Response respond(ApiError body) {
        return Response.status(body.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body)
                .build();
    }
}
