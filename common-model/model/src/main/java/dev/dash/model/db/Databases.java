package dev.dash.model.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Dropping a whole database that the tests or a benchmark made, on either Silver variant. */
public final class Databases {
    private Databases() {}

    /**
     * Drops {@code database} if it exists, from a connection {@code admin} to another database of the same
     * server. With TimescaleDB, the extension's scheduler (a background worker of the superuser) may be
     * connected to it, and {@code DROP DATABASE ... WITH (FORCE)} cannot end that for a non-superuser owner
     * ({@code 42501}): new connections are refused first, so the scheduler leaves and is not started again,
     * and the drop is retried for up to {@code timeoutMillis}.
     *
     * @throws SQLException the last failure once the time is up, or any other failure at once
     */
    public static void drop(Connection admin, String database, long timeoutMillis) throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
            }
        }
        String name = quote(database);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try (Statement st = admin.createStatement()) {
            st.execute("ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS false");
            long pause = 50;
            while (true) {
                try {
                    st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                    return;
                } catch (SQLException e) {
                    if (!"42501".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted while dropping " + database, e);
                }
                pause = Math.min(pause * 2, 1000);
            }
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
