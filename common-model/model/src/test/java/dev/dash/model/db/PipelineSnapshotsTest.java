package dev.dash.model.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The one pipeline-snapshot loader against the real PostgreSQL: its three queries see one snapshot, so a change
 * committed while it reads (here: between its first and second query) is either wholly in the snapshot or not
 * at all.
 */
class PipelineSnapshotsTest {
    private PGSimpleDataSource ds;
    private UUID team;
    private UUID pipeline;

    @BeforeEach
    void pipelineWithOneMapping() throws SQLException {
        Endpoints e = LocalServices.ensureStartedAndMigrated();
        ds = new PGSimpleDataSource();
        ds.setURL(e.jdbcUrl());
        ds.setUser(e.pgUser());
        ds.setPassword(e.pgPassword());
        team = UUID.randomUUID();
        pipeline = UUID.randomUUID();
        execute("INSERT INTO teams (id, name, slug) VALUES ('" + team + "', 'T', 'snap-"
                + team.toString().substring(0, 8) + "')");
        execute("INSERT INTO pipelines (id, team_id, name, type, allow_unsigned) VALUES ('" + pipeline + "', '" + team
                + "', 'before', 'realtime', true)");
        execute("INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES ('" + UUID.randomUUID()
                + "', '" + pipeline + "', 1, 'active', '{}')");
        execute("UPDATE pipelines SET active_mapping_version = 1 WHERE id = '" + pipeline + "'");
    }

    @Test
    void oneLoadSeesOneSnapshotOfTheThreeTables() throws SQLException {
        PipelineConfig one = new PipelineSnapshots(changingWhileRead()).load(pipeline);

        assertThat(one.name()).as("the pipeline row of the same snapshot").isEqualTo("before");
        assertThat(one.mappings())
                .extracting(PipelineConfig.MappingVersion::version)
                .containsExactly(1);
        assertThat(new PipelineSnapshots(ds).load(pipeline).name())
                .as("the change itself was committed")
                .isEqualTo("after");
    }

    @Test
    void loadingEveryPipelineSeesOneSnapshotToo() throws SQLException {
        PipelineConfig one = new PipelineSnapshots(changingWhileRead())
                .loadAll().stream()
                        .filter(p -> p.id().equals(pipeline))
                        .findFirst()
                        .orElseThrow();

        assertThat(one.name()).isEqualTo("before");
        assertThat(one.mappings())
                .extracting(PipelineConfig.MappingVersion::version)
                .containsExactly(1);
        assertThat(one.allowUnsigned()).isTrue();
    }

    @Test
    void aMissingPipelineIsNull() throws SQLException {
        assertThat(new PipelineSnapshots(ds).load(UUID.randomUUID())).isNull();
    }

    /**
     * A data source whose connections, right before the loader's second query, commit a change from another
     * connection: a pending mapping version 2 and a renamed pipeline, in one transaction.
     */
    private DataSource changingWhileRead() {
        AtomicInteger prepared = new AtomicInteger();
        return (DataSource) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    Object out = invoke(method, ds, args);
                    if (!method.getName().equals("getConnection")) {
                        return out;
                    }
                    Connection real = (Connection) out;
                    return Proxy.newProxyInstance(
                            getClass().getClassLoader(), new Class<?>[] {Connection.class}, (p, m, a) -> {
                                if (m.getName().equals("prepareStatement") && prepared.incrementAndGet() == 2) {
                                    execute(
                                            "BEGIN; INSERT INTO data_mappings (id, pipeline_id, version, status, document)"
                                                    + " VALUES ('" + UUID.randomUUID() + "', '" + pipeline
                                                    + "', 2, 'pending', '{}'); UPDATE pipelines SET name = 'after' WHERE id = '"
                                                    + pipeline + "'; COMMIT");
                                }
                                return invoke(m, real, a);
                            });
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
