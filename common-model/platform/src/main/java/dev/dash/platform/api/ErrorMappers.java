package dev.dash.platform.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
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

/**
 * Turns every failure into the one {@link ApiError} shape; nothing internal reaches the client. Every service's
 * REST layer has these; a service adds mappers for its own failures beside them (web-service: the reactive
 * PostgreSQL client's).
 */
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

    /** The response carrying {@code body}, for the services' own mappers. */
    public static Response respond(ApiError body) {
        return Response.status(body.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body)
                .build();
    }
}
