package dev.dash.web.live;

import dev.dash.web.testing.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * The service's statements in the real database, for tests that make its reads fail there: a test holds a lock
 * (in its own transaction), the service's statements wait for it, and the test cancels them while they wait
 * ({@code pg_cancel_backend}: SQLSTATE 57014, as a statement timeout or an operator would).
 */
final class Statements {
    private Statements() {}

    /** How many statements starting with {@code query} wait for a lock. */
    static int waiting(String query) throws SQLException {
        try (Connection c = Db.connect();
                PreparedStatement st =
                        c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                + " AND wait_event_type = 'Lock' AND starts_with(query, ?)")) {
            st.setString(1, query);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Cancels up to {@code max} statements starting with {@code query} that wait for a lock; answers how many. */
    static int cancelWaiting(String query, int max) throws SQLException {
        int n = 0;
        try (Connection c = Db.connect();
                PreparedStatement st =
                        c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                                + " AND wait_event_type = 'Lock' AND starts_with(query, ?) ORDER BY query_start")) {
            st.setString(1, query);
            List<Integer> pids = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
            try (Statement cancel = c.createStatement()) {
                for (int pid : pids) {
                    if (n >= max) {
                        break;
                    }
                    try (ResultSet r = cancel.executeQuery("SELECT pg_cancel_backend(" + pid + ")")) {
                        r.next();
                        if (r.getBoolean(1)) {
                            n++;
                        }
                    }
                }
            }
        }
        return n;
    }

    /**
     * Cancels the first statement starting with {@code query} that waits for the test's lock, then waits until another
     * one waits: the read was tried again.
     */
    static void cancelOneAndAwaitAnother(String query) {
        AtomicInteger cancelled = new AtomicInteger();
        Awaitility.await()
                .atMost(LiveClient.WAIT)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> cancelled.addAndGet(cancelWaiting(query, 1)) == 1);
        Awaitility.await()
                .atMost(LiveClient.WAIT)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> waiting(query) == 1);
    }

    /** Runs a statement in the connection's transaction (a lock, a change committed with it). */
    static void run(Connection c, String sql, Object... params) {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            st.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
