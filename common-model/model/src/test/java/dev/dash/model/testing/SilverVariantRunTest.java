package dev.dash.model.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.db.SilverVariant;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The run tests the Silver variant it should: TimescaleDB wherever the server has the extension installed
 * (unless this is the plain execution), so a suite that quietly fell back to plain PostgreSQL fails here.
 */
@Tag(LocalServices.SILVER_TAG)
class SilverVariantRunTest {
    @Test
    void theTestDatabaseCarriesTheExpectedVariant() throws SQLException {
        Endpoints e = LocalServices.ensureStartedAndMigrated();
        String requested = System.getProperty("dashtest.silver", System.getenv("DASH_TEST_SILVER"));
        SilverVariant expected = "plain".equalsIgnoreCase(requested)
                ? SilverVariant.PLAIN
                : "timescaledb".equalsIgnoreCase(requested) || LocalServices.timescaleInstalled(e)
                        ? SilverVariant.TIMESCALEDB
                        : SilverVariant.PLAIN;
        assertThat(LocalServices.silverVariant()).isEqualTo(expected);
        try (Connection c = DriverManager.getConnection(e.jdbcUrl(), e.pgUser(), e.pgPassword());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT dash_silver_variant()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(expected.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (expected == SilverVariant.PLAIN && "plain".equalsIgnoreCase(requested)) {
            assertThat(e.pgDatabase()).endsWith("_plain");
        }
    }
}
