package dev.dash.ingestor.p2p;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.crypto.KeyRing;
import dev.dash.model.json.Json;
import dev.dash.model.pipeline.PipelineStatus;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The active p2p pipelines and their filters, read from {@code pipelines} (source configs decrypted). */
@ApplicationScoped
public class P2pRepository {
    private final AgroalDataSource dataSource;
    private final KeyRing keys;

    public P2pRepository(AgroalDataSource dataSource, IngestorConfig config) {
        this.dataSource = dataSource;
        this.keys = KeyRing.parse(
                config.crypto().keys(), config.crypto().activeKey().orElse(null));
    }

    /**
     * The routes, and the database time they are current as of.
     *
     * @param routes the active p2p pipelines
     * @param asOf the database's time of the read
     */
    public record Routes(List<Timed> routes, Instant asOf) {}

    /**
     * A route and when its pipeline was created (points committed before are not forwarded to it).
     *
     * @param route the route
     * @param since the p2p pipeline's creation time
     */
    public record Timed(P2pRoute route, Instant since) {}

    /** Reads every active p2p pipeline. */
    public Routes load() throws SQLException {
        List<Timed> out = new ArrayList<>();
        Instant asOf;
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT now()");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                asOf = rs.getTimestamp(1).toInstant();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                            SELECT id, team_id, source_pipeline_id, source_config, dedupe_window_seconds, inserted_at
                            FROM pipelines WHERE type = 'p2p' AND status = '%s' AND source_pipeline_id IS NOT NULL
                            """.formatted(PipelineStatus.ACTIVE.dbName()));
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject("id", UUID.class);
                    byte[] cipher = rs.getBytes("source_config");
                    P2pRoute.Filter f;
                    try {
                        f = P2pRoute.filter(
                                cipher == null
                                        ? null
                                        : Json.parse(keys.decryptString(cipher, "pipeline_source:" + id)));
                    } catch (Exception e) {
                        Log.warnf(
                                "p2p pipeline %s: source config unreadable, forwarding nothing: %s",
                                id, e.getMessage());
                        continue;
                    }
                    out.add(new Timed(
                            new P2pRoute(
                                    id,
                                    rs.getObject("team_id", UUID.class),
                                    rs.getObject("source_pipeline_id", UUID.class),
                                    f.metrics(),
                                    f.labels(),
                                    rs.getInt("dedupe_window_seconds")),
                            rs.getTimestamp("inserted_at").toInstant()));
                }
            }
        }
        return new Routes(out, asOf);
    }
}
