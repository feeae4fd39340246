package dev.dash.web.testing;

import dev.dash.model.silver.SilverRollups;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Direct JDBC reads of the test database, to check what was (not) stored. */
public final class Db {
    private Db() {}

    public static Connection connect() throws SQLException {
        Endpoints e = LocalServices.ensureStarted();
        return DriverManager.getConnection(e.jdbcUrl(), e.pgUser(), e.pgPassword());
    }

    public static List<Map<String, Object>> rows(String sql, Object... params) {
        try (Connection c = connect();
                PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            List<Map<String, Object>> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
            }
            return out;
        } catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Refreshes the rollups over [from, to] on either Silver variant, as a replay's cut-over does. */
    public static void refreshRollups(Instant from, Instant to) {
        try (Connection c = connect()) {
            SilverRollups.refresh(c, from, to);
        } catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The Silver variant of the test database: {@code timescaledb} or {@code plain}. */
    public static String variant() {
        return (String) rows("SELECT dash_silver_variant() AS v").get(0).get("v");
    }

    public static long count(String sql, Object... params) {
        return ((Number) rows(sql, params).get(0).values().iterator().next()).longValue();
    }

    public static int update(String sql, Object... params) {
        try (Connection c = connect();
                PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            return st.executeUpdate();
        } catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
