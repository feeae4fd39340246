package dev.dash.replay.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.dash.model.api.ApiError;
import dev.dash.model.api.ApiErrors;
import dev.dash.model.api.ApiException;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
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
        return respond(ApiErrors.fromJson(e));
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return respond(ApiErrors.unauthorized());
    }

    @ServerExceptionMapper
    public Response authFailed(AuthenticationFailedException e) {
        return respond(ApiErrors.unauthorized());
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
        }
        return respond(ApiErrors.fromStatus(status));
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response anything(Throwable e) {
        Log.errorf(e, "Unhandled error");
        return respond(ApiErrors.internal());
    }

    private static Response respond(ApiError body) {
        return Response.status(body.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body)
                .build();
    }
}
