package dev.dash.web.auth;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Browser login (authorization code flow, tenant {@code web}). */
@Path("/login")
@Tag(name = "auth")
public class LoginResource {
    private final Users users;

    public LoginResource(Users users) {
        this.users = users;
    }

    /**
     * Starts the login at the OIDC provider; back here, creates the user row and goes to the UI. The path is
     * protected by an HTTP permission (application.properties), so the challenge is the code-flow redirect.
     */
    @GET
    @Operation(hidden = true)
    public Uni<Response> login() {
        return users.current().map(a -> Response.seeOther(URI.create("/")).build());
    }
}
