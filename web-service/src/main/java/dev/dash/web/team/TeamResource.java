package dev.dash.web.team;

import dev.dash.web.team.TeamService.ChangeRole;
import dev.dash.web.team.TeamService.CreateTeam;
import dev.dash.web.team.TeamService.Member;
import dev.dash.web.team.TeamService.Team;
import dev.dash.web.team.TeamService.UpdateTeam;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Teams the caller is in, and their members. */
@Path("/api/teams")
@Authenticated
@Tag(name = "teams")
public class TeamResource {
    private final TeamService teams;

    public TeamResource(TeamService teams) {
        this.teams = teams;
    }

    @GET
    public Uni<List<Team>> list() {
        return teams.mine();
    }

    @POST
    public Uni<Response> create(CreateTeam in) {
        return teams.create(in)
                .map(t -> Response.created(URI.create("/api/teams/" + t.id()))
                        .entity(t)
                        .build());
    }

    @GET
    @Path("{teamId}")
    public Uni<Team> get(@PathParam("teamId") UUID teamId) {
        return teams.get(teamId);
    }

    @PATCH
    @Path("{teamId}")
    public Uni<Team> update(@PathParam("teamId") UUID teamId, UpdateTeam in) {
        return teams.update(teamId, in);
    }

    @DELETE
    @Path("{teamId}")
    public Uni<Response> delete(@PathParam("teamId") UUID teamId) {
        return teams.delete(teamId).map(x -> Response.noContent().build());
    }

    @GET
    @Path("{teamId}/members")
    public Uni<List<Member>> members(@PathParam("teamId") UUID teamId) {
        return teams.members(teamId);
    }

    @PUT
    @Path("{teamId}/members/{userId}/role")
    public Uni<Member> changeRole(@PathParam("teamId") UUID teamId, @PathParam("userId") UUID userId, ChangeRole in) {
        return teams.changeRole(teamId, userId, in);
    }

    @DELETE
    @Path("{teamId}/members/{userId}")
    public Uni<Response> remove(@PathParam("teamId") UUID teamId, @PathParam("userId") UUID userId) {
        return teams.removeMember(teamId, userId).map(x -> Response.noContent().build());
    }
}
