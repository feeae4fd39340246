package dev.dash.ingestor.ingest;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The cluster-wide quota buckets ({@code ingest_quota_buckets}, function {@code dash_quota_lease}, migration
 * V82), and the one background thread that tops up a node's leases before they run out. Blocking JDBC: called
 * from worker threads and that thread, never from the event loop.
 */
@ApplicationScoped
public class QuotaRepository implements QuotaLimiter.Leases {
    private static final String LEASE =
            "SELECT granted_requests, granted_bytes, wait_seconds FROM dash_quota_lease(?, ?, ?, ?, ?, ?, ?)";

    private final AgroalDataSource dataSource;
    private final ExecutorService prefetch = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dash-quota-prefetch");
        t.setDaemon(true);
        return t;
    });

    public QuotaRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public QuotaLimiter.Grant lease(
            UUID pipelineId,
            Integer rps,
            Long bps,
            double wantRequests,
            double needRequests,
            double wantBytes,
            double needBytes)
            throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(LEASE)) {
            ps.setObject(1, pipelineId);
            if (rps == null) {
                ps.setNull(2, Types.DOUBLE);
            } else {
                ps.setDouble(2, rps);
            }
            if (bps == null) {
                ps.setNull(3, Types.DOUBLE);
            } else {
                ps.setDouble(3, bps);
            }
            ps.setDouble(4, wantRequests);
            ps.setDouble(5, needRequests);
            ps.setDouble(6, wantBytes);
            ps.setDouble(7, needBytes);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new QuotaLimiter.Grant(rs.getDouble(1), rs.getDouble(2), rs.getDouble(3));
            }
        }
    }

    /** Where the background top-ups run. */
    ExecutorService prefetchExecutor() {
        return prefetch;
    }

    void onStop(@Observes ShutdownEvent event) {
        prefetch.shutdownNow();
    }
}
