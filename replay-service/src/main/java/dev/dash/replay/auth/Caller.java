package dev.dash.replay.auth;

import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.RequestScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The person behind a replay API call, and what they may do in a team. Replays are an admin operation:
 * the caller must be admin or owner of the pipeline's team (docs/rbac.md). Someone not in the team, or who
 * never logged in to Dash (no user row), gets 404, so ids of other teams do not leak; a lower role gets 403
 * (the team-role rule of {@link Role#require}, shared with web-service).
 */
@RequestScoped
public class Caller {
    private final JsonWebToken token;
    private final AgroalDataSource dataSource;

    public Caller(JsonWebToken token, AgroalDataSource dataSource) {
        this.token = token;
        this.dataSource = dataSource;
    }

    /**
     * The caller's user id, after checking they are admin or owner of {@code teamId}.
     *
     * @param what what to call the resource in a 404 ("pipeline", "replay")
     */
    public UUID requireAdmin(Connection c, UUID teamId, String what) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT u.id, m.role FROM users u LEFT JOIN memberships m "
                + "ON m.user_id = u.id AND m.team_id = ? AND m.active WHERE u.oidc_subject = ?")) {
            ps.setObject(1, teamId);
            ps.setString(2, token.getSubject());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound(what);
                }
                Role.require(rs.getString(2), Role.ADMIN, what);
                return rs.getObject(1, UUID.class);
            }
        }
    }

    /** A connection for the request's work (the caller closes it). */
    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** The token's subject, for the audit log. */
    public String subject() {
        return token.getSubject();
    }
}
