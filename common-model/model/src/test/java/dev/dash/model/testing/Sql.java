package dev.dash.model.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** One-statement helpers for tests that set up schemas and rows by hand. */
public final class Sql {
    private Sql() {}

    /** Runs one statement on a connection of its own (autocommit). */
    public static void execute(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
