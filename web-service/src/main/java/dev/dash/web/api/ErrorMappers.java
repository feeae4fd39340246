package dev.dash.web.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.dash.model.api.AllowedMethods;
import dev.dash.model.api.ApiError;
import dev.dash.model.api.ApiErrors;
import dev.dash.model.api.ApiException;
import dev.dash.model.api.FieldError;
import dev.dash.model.mapping.MappingCompileException;
import io.quarkus.arc.Arc;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into the one {@link ApiError} shape; nothing internal reaches the client. */
public class ErrorMappers {

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return respond(e.body());
    }

    @ServerExceptionMapper
    public Response mapping(MappingCompileException e) {
        List<FieldError> fields = e.problems().stream()
                .map(p -> new FieldError("document" + p.pointer(), p.message()))
                .toList();
        return respond(new ApiError(400, "invalid_mapping", "the mapping does not compile", fields));
    }

    // The exact types, so they win over the Jackson extension's built-in mappers.
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

    // A wrong method on a known path: 405 with Allow. Quarkus REST answers it with a 404 when several resource
    // classes share the path's prefix, and without Allow otherwise, so both are decided from the resources.
    @ServerExceptionMapper
    public Response notFound(NotFoundException e, ContainerRequestContext request) {
        return wrongMethodOr(404, request);
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, ContainerRequestContext request) {
        return wrongMethodOr(405, request);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            Log.errorf(e, "Request failed with %d", status);
        }
        return respond(ApiErrors.fromStatus(status));
    }

    @ServerExceptionMapper
    public Response database(PgException e) {
        // Constraint checks the service layer did not anticipate: a client mistake, not a crash.
        if ("23505".equals(e.getSqlState())) {
            return respond(new ApiError(409, "conflict", "conflicts with an existing record", List.of()));
        }
        if ("23514".equals(e.getSqlState()) || "22P02".equals(e.getSqlState())) {
            return respond(new ApiError(400, "invalid_request", "a value is out of range", List.of()));
        }
        if ("22021".equals(e.getSqlState()) || "22P05".equals(e.getSqlState())) {
            // A NUL character (or one the encoding cannot hold) in a text value or parameter, found by fuzzing
            // the audit log's entity_type: the client's input, not a server failure.
            return respond(new ApiError(
                    400,
                    "invalid_request",
                    "a text value contains a character that cannot be stored (NUL)",
                    List.of()));
        }
        Log.errorf(e, "Database error %s", e.getSqlState());
        return respond(new ApiError(500, "internal_error", "internal error", List.of()));
    }

    private static volatile AllowedMethods allowedMethods;

    private static Response wrongMethodOr(int status, ContainerRequestContext request) {
        AllowedMethods table = allowedMethods;
        if (table == null) {
            // The resource classes are beans; read once, on the first routing miss.
            table = AllowedMethods.of(
                    Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE).stream()
                            .<Class<?>>map(Bean::getBeanClass)
                            .filter(c -> c.isAnnotationPresent(Path.class))
                            .distinct()
                            .toList());
            allowedMethods = table;
        }
        Set<String> allowed = table.allowed(request.getUriInfo().getPath());
        if (allowed.isEmpty() || allowed.contains(request.getMethod())) {
            return respond(ApiErrors.fromStatus(status));
        }
        return Response.fromResponse(respond(ApiErrors.fromStatus(405)))
                .header("Allow", AllowedMethods.header(allowed))
                .build();
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response anything(Throwable e) {
        Log.errorf(e, "Unhandled error");
        return respond(ApiErrors.internal());
    }

    static Response respond(ApiError body) {
        return Response.status(body.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body)
                .build();
    }
}
