package dev.dash.web.team;

import dev.dash.web.team.InvitationService.CreateInvitation;
import dev.dash.web.team.InvitationService.Invitation;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A team's invitations: owners send, list and revoke them. */
@Path("/api/teams/{teamId}/invitations")
@Authenticated
@Tag(name = "teams")
public class InvitationResource {
    private final InvitationService invitations;

    public InvitationResource(InvitationService invitations) {
        this.invitations = invitations;
    }

    @POST
    public Uni<Response> create(@PathParam("teamId") UUID teamId, CreateInvitation in) {
        return invitations
                .create(teamId, in)
                .map(i -> Response.status(201).entity(i).build());
    }

    @GET
    public Uni<List<Invitation>> ofTeam(@PathParam("teamId") UUID teamId) {
        return invitations.ofTeam(teamId);
    }

    @DELETE
    @Path("{invitationId}")
    public Uni<Response> revoke(@PathParam("teamId") UUID teamId, @PathParam("invitationId") UUID invitationId) {
        return invitations
                .revoke(teamId, invitationId)
                .map(x -> Response.noContent().build());
    }
}
