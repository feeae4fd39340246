package dev.dash.web.auth;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Who the caller is (the user row is created on the first call). */
@Path("/api/me")
@Authenticated
@Tag(name = "auth")
public class MeResource {
    private final Users users;

    public MeResource(Users users) {
        this.users = users;
    }

    @GET
    public Uni<Actor> me() {
        return users.current();
    }
}
