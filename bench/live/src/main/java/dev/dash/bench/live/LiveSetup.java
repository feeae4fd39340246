package dev.dash.bench.live;

import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.UUID;

/**
 * After the ingest benchmark's setup: a dashboard over the benchmark pipeline with one line chart (max of
 * {@code temp} in 1 s buckets) and a public link, so viewers need no login. Prints {@code TOKEN=<token>}.
 *
 * <p>Arguments: host port user password database pipeline.
 */
public final class LiveSetup {
    private LiveSetup() {}

    public static void main(String[] args) throws Exception {
        UUID pipeline = UUID.fromString(args[5]);
        UUID dashboard = UUID.randomUUID();
        String token = "bench-" + UUID.randomUUID();
        byte[] hash =
                MessageDigest.getInstance("SHA-256").digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://" + args[0] + ":" + args[1] + "/" + args[4], args[2], args[3])) {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO dashboards (id, team_id, name, slug, is_public, public_token_hash, public_token_expires_at)
                    SELECT ?, team_id, 'live bench', 'live-bench', true, ?, now() + interval '1 day' FROM pipelines WHERE id = ?
                    """)) {
                ps.setObject(1, dashboard);
                ps.setBytes(2, hash);
                ps.setObject(3, pipeline);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO widgets (id, dashboard_id, type, title, data_query)
                    VALUES (?, ?, 'line_chart', 'temp', ?::jsonb)
                    """)) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, dashboard);
                ps.setString(
                        3,
                        "{\"pipeline_id\":\"" + pipeline
                                + "\",\"metric\":\"temp\",\"aggregation\":\"max\",\"bucket\":\"PT1S\"}");
                ps.executeUpdate();
            }
        }
        System.out.println("TOKEN=" + token);
    }
}
