package dev.dash.bench.ingest;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * PostgreSQL's work in the benchmark's own database, from its cumulative statistics (this server has no
 * {@code pg_stat_statements}): transactions ({@code pg_stat_database}: every statement outside a transaction block
 * is one), and rows written to {@code ingest_dedupe} (inserted; updated, of which HOT) and to every table. A backend
 * reports its counters at most once a second, so a window of a minute of steady load is off by about a second's
 * worth at either end, which cancels out.
 */
final class PgStats {
    private final DataSource ds;

    PgStats(DataSource ds) {
        this.ds = ds;
    }

    /** The counters now; empty when they cannot be read (the benchmark goes on without them). */
    Map<String, Long> read() {
        Map<String, Long> m = new LinkedHashMap<>();
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")) {
                rs.next();
                m.put("xacts", rs.getLong(1));
            }
            try (ResultSet rs = st.executeQuery("""
                    SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0),
                           coalesce(sum(n_tup_ins) FILTER (WHERE relname = 'ingest_dedupe'), 0),
                           coalesce(sum(n_tup_upd) FILTER (WHERE relname = 'ingest_dedupe'), 0),
                           coalesce(sum(n_tup_hot_upd) FILTER (WHERE relname = 'ingest_dedupe'), 0)
                    FROM pg_stat_user_tables""")) {
                rs.next();
                m.put("rows_written", rs.getLong(1));
                m.put("dedupe_ins", rs.getLong(2));
                m.put("dedupe_upd", rs.getLong(3));
                m.put("dedupe_hot_upd", rs.getLong(4));
            }
        } catch (SQLException e) {
            m.clear();
        }
        return m;
    }

    /** Each counter's growth from {@code before} to {@code after}, per event. */
    static Map<String, Double> perEvent(Map<String, Long> before, Map<String, Long> after, long events) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : after.entrySet()) {
            Long b = before.get(e.getKey());
            if (b != null && events > 0) {
                out.put(e.getKey(), Math.round((e.getValue() - b) * 1000.0 / events) / 1000.0);
            }
        }
        return out;
    }
}
