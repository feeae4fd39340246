package dev.dash.model.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.mapping.MappingStatus;
import dev.dash.model.pipeline.PipelineStatus;
import dev.dash.model.replay.ReplayState;
import dev.dash.model.sink.DeliveryStatus;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The state enums name exactly the values the schema's CHECK constraints allow. */
class StatesMatchSchemaTest {
    private static final Pattern ALLOWED = Pattern.compile("\\(%s = ANY \\(ARRAY\\[(.*?)\\]");
    private static final Pattern VALUE = Pattern.compile("'([a-z_]+)'::text");

    @Test
    void pipelineStatuses() throws SQLException {
        assertThat(allowed("pipelines", "status"))
                .isEqualTo(names(Arrays.stream(PipelineStatus.values()).map(PipelineStatus::dbName)));
    }

    @Test
    void mappingStatuses() throws SQLException {
        assertThat(allowed("data_mappings", "status"))
                .isEqualTo(names(Arrays.stream(MappingStatus.values()).map(MappingStatus::dbName)));
    }

    @Test
    void deliveryStatuses() throws SQLException {
        assertThat(allowed("sink_deliveries", "status"))
                .isEqualTo(names(Arrays.stream(DeliveryStatus.values()).map(DeliveryStatus::dbName)));
    }

    @Test
    void replayStates() throws SQLException {
        assertThat(allowed("replays", "state"))
                .isEqualTo(names(Arrays.stream(ReplayState.values()).map(ReplayState::dbName)));
        assertThat(Arrays.stream(ReplayState.values()).filter(ReplayState::isFinal))
                .containsExactly(ReplayState.SUCCEEDED, ReplayState.FAILED, ReplayState.CANCELLED);
        assertThat(ReplayState.of("waiting_for_archive")).isEqualTo(ReplayState.WAITING_FOR_ARCHIVE);
    }

    private static Set<String> names(java.util.stream.Stream<String> names) {
        return names.collect(Collectors.toCollection(TreeSet::new));
    }

    /** The values a CHECK constraint of {@code table} allows in {@code column}. */
    private static Set<String> allowed(String table, String column) throws SQLException {
        Endpoints e = LocalServices.ensureStartedAndMigrated();
        Pattern allowed = Pattern.compile(ALLOWED.pattern().formatted(column));
        Set<String> out = new TreeSet<>();
        try (Connection c = DriverManager.getConnection(e.jdbcUrl(), e.pgUser(), e.pgPassword());
                PreparedStatement ps = c.prepareStatement("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                        + " WHERE conrelid = ?::regclass AND contype = 'c'")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Matcher m = allowed.matcher(rs.getString(1));
                    if (m.find()) {
                        Matcher v = VALUE.matcher(m.group(1));
                        while (v.find()) {
                            out.add(v.group(1));
                        }
                    }
                }
            }
        }
        assertThat(out).as("values allowed in %s.%s", table, column).isNotEmpty();
        return out;
    }
}
