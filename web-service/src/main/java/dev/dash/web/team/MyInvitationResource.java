package dev.dash.web.team;

import dev.dash.web.team.InvitationService.Invitation;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The caller's own invitations: list the open ones and accept one. */
@Path("/api/invitations")
@Authenticated
@Tag(name = "teams")
public class MyInvitationResource {
    private final InvitationService invitations;

    public MyInvitationResource(InvitationService invitations) {
        this.invitations = invitations;
    }

    @GET
    public Uni<List<Invitation>> mine() {
        return invitations.mine();
    }

    @POST
    @Path("{invitationId}/accept")
    public Uni<TeamService.Member> accept(@PathParam("invitationId") UUID invitationId) {
        return invitations.accept(invitationId);
    }
}
