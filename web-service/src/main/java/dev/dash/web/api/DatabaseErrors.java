package dev.dash.web.api;

import static dev.dash.platform.api.ErrorMappers.respond;

import dev.dash.model.api.ApiError;
import io.quarkus.logging.Log;
import io.vertx.pgclient.PgException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Failures of the reactive PostgreSQL client in the {@link ApiError} shape, beside the platform's mappers
 * ({@link dev.dash.platform.api.ErrorMappers}): only web-service reaches the database from its resources.
 */
public class DatabaseErrors {

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
}
