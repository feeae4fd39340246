package dev.dash.model.silver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.db.DashSchema;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.json.Json;
import dev.dash.model.mapping.MappedRecord;
import dev.dash.model.mapping.MappingError;
import dev.dash.model.mapping.Point;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * SilverStore against the real PostgreSQL, in a schema of its own: a value PostgreSQL refuses quarantines
 * the event at fault, with the database's reason and its origin, and every other event of the batch is
 * written; failures of another kind are still thrown for the caller to retry.
 */
@Tag(LocalServices.SILVER_TAG)
class SilverStoreTest {
    static final Instant T = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    static Endpoints endpoints;
    static String schema;
    static PGSimpleDataSource ds;

    final UUID team = UUID.randomUUID();
    final UUID pipeline = UUID.randomUUID();

    @BeforeAll
    static void migrate() throws SQLException {
        endpoints = LocalServices.ensureStarted();
        schema = "silver_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ds = new PGSimpleDataSource();
        ds.setURL(endpoints.jdbcUrl());
        ds.setUser(endpoints.pgUser());
        ds.setPassword(endpoints.pgPassword());
        execute("CREATE SCHEMA " + schema);
        ds.setCurrentSchema(schema);
        DashSchema.migrate(ds, schema, SilverVariant.Choice.PLAIN);
    }

    @AfterAll
    static void drop() throws SQLException {
        ds.setCurrentSchema(null);
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    @BeforeEach
    void pipeline() throws SQLException {
        execute("INSERT INTO " + schema + ".teams (id, name, slug) VALUES ('" + team + "', 't " + team + "', 't-"
                + team.toString().substring(0, 23) + "')");
        execute("INSERT INTO " + schema
                + ".pipelines (id, team_id, name, type, signature_preset, active_mapping_version)" + " VALUES ('"
                + pipeline + "', '" + team + "', 'p " + pipeline + "', 'realtime', 'none', 1)");
    }

    /** Adds one event of two points, with its origin; {@code site} is a label value. */
    UUID event(SilverBatch b, int offset, String site) {
        UUID id = UUID.randomUUID();
        Instant received = T.plusMillis(offset);
        b.countEvent(received);
        b.origin(id, received, 3, (long) offset, null);
        b.addPoints(
                pipeline,
                team,
                id,
                1,
                received,
                List.of(
                        new Point(T.plusSeconds(offset), "temp", Map.of("site", site), offset),
                        new Point(T.plusSeconds(offset), "hum", Map.of("site", site), offset * 2.0)));
        return id;
    }

    @Test
    void aRefusedValueQuarantinesItsEventAndTheRestIsWritten() throws SQLException {
        SilverBatch b = new SilverBatch();
        List<UUID> good = new ArrayList<>();
        List<UUID> bad = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            if (i == 7 || i == 31) {
                bad.add(event(b, i, "a\u0000b")); // jsonb cannot hold U+0000
            } else {
                good.add(event(b, i, "site-" + i));
            }
        }
        UUID mappingFailure = UUID.randomUUID();
        b.quarantine(new SilverBatch.Quarantined(
                pipeline,
                team,
                mappingFailure,
                1,
                T,
                List.of(new MappingError("temp", MappingError.Code.INVALID_VALUE, "cannot read 'x\u0000'", -1)),
                3,
                99L,
                null));

        int inserted = new SilverStore(ds).write(b);

        assertThat(inserted).isEqualTo(good.size() * 2);
        assertThat(events("metrics")).containsExactlyInAnyOrderElementsOf(good);
        assertThat(b.rows()).hasSize(good.size() * 2).noneMatch(r -> bad.contains(r.eventId()));
        assertThat(b.refused()).extracting(SilverBatch.Quarantined::eventId).containsExactlyInAnyOrderElementsOf(bad);
        Map<UUID, String> quarantine = quarantine();
        assertThat(quarantine).containsOnlyKeys(bad.get(0), bad.get(1), mappingFailure);
        for (UUID id : bad) {
            assertThat(quarantine.get(id))
                    .contains("\"field\": \"$store\"", "\"code\": \"not_storable\"", "PostgreSQL refused to store it")
                    .contains("partition=3");
        }
        // The mapping failure's reason quoted U+0000: stored, with the character replaced.
        assertThat(quarantine.get(mappingFailure)).contains("cannot read 'x\uFFFD'");
        // Written again (a redelivery of what is left), the batch changes nothing.
        assertThat(new SilverStore(ds).write(b)).isZero();
        assertThat(events("metrics")).hasSize(good.size());
    }

    @Test
    void aRefusedRecordQuarantinesItsEventToo() throws SQLException {
        SilverBatch b = new SilverBatch();
        UUID good = event(b, 1, "a");
        UUID bad = UUID.randomUUID();
        b.origin(bad, T, 1, 5L, "bronze/key");
        b.addRecords(
                pipeline,
                team,
                bad,
                1,
                List.of(new MappedRecord(T, 0, Json.nodes().objectNode().put("note", "x\u0000y"))));

        new SilverStore(ds).write(b);

        assertThat(events("metrics")).containsExactly(good);
        assertThat(events("pipeline_records")).isEmpty();
        assertThat(quarantine()).containsOnlyKeys(bad);
        assertThat(quarantine().get(bad)).contains("bronze=bronze/key", "offset=5");
    }

    /**
     * A batch of metric rows alone, from a writer that logs no rollup invalidation (TimescaleDB's case, and the
     * replay's), is one COPY in autocommit: no transaction around it, whose BEGIN and COMMIT cost a round trip each
     * (issue 19, item 3). A redelivery still changes nothing; a batch with more than rows, or one whose hours the
     * rollup job must hear of in its transaction (plain PostgreSQL), still gets its transaction.
     */
    @Test
    void aBatchOfRowsAloneIsOneStatementWithoutATransactionAndStaysIdempotent() throws SQLException {
        List<String> calls = new ArrayList<>();
        SilverStore store = new SilverStore(recording(calls), false);
        SilverBatch b = new SilverBatch();
        UUID first = event(b, 1, "a");
        UUID second = event(b, 2, "b");

        assertThat(store.write(b)).isEqualTo(4);
        assertThat(calls).doesNotContain("setAutoCommit(false)", "commit");
        assertThat(events("metrics")).containsExactlyInAnyOrder(first, second);

        // Redelivered with one more event: the COPY fails whole, the idempotent path writes only the new rows.
        UUID third = event(b, 3, "c");
        calls.clear();
        assertThat(store.write(b)).isEqualTo(2);
        assertThat(calls).contains("setAutoCommit(false)", "commit");
        assertThat(events("metrics")).containsExactlyInAnyOrder(first, second, third);
        assertThat(store.write(b)).isZero();

        // A quarantine row goes in the rows' transaction.
        SilverBatch q = new SilverBatch();
        UUID fourth = event(q, 4, "d");
        q.quarantine(new SilverBatch.Quarantined(
                pipeline,
                team,
                UUID.randomUUID(),
                1,
                T,
                List.of(new MappingError("temp", MappingError.Code.INVALID_VALUE, "no", -1)),
                3,
                4L,
                null));
        calls.clear();
        store.write(q);
        assertThat(calls).contains("setAutoCommit(false)", "commit");
        assertThat(quarantine()).hasSize(1);

        // Plain PostgreSQL's live writer logs the batch's hours for the rollup job, in the same transaction.
        SilverBatch live = new SilverBatch();
        UUID fifth = event(live, 5, "e");
        calls.clear();
        new SilverStore(recording(calls)).write(live);
        assertThat(calls).contains("setAutoCommit(false)", "commit");
        assertThat(events("metrics")).containsExactlyInAnyOrder(first, second, third, fourth, fifth);
    }

    /** The test's data source, whose connections add the transaction calls made on them to {@code calls}. */
    static javax.sql.DataSource recording(List<String> calls) {
        return (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
                SilverStoreTest.class.getClassLoader(),
                new Class<?>[] {javax.sql.DataSource.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("getConnection")) {
                        return invoke(method, ds, args);
                    }
                    Connection real = ds.getConnection();
                    return java.lang.reflect.Proxy.newProxyInstance(
                            SilverStoreTest.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, a) -> {
                                if (m.getName().equals("commit")) {
                                    calls.add("commit");
                                } else if (m.getName().equals("setAutoCommit")) {
                                    calls.add("setAutoCommit(" + a[0] + ")");
                                }
                                return invoke(m, real, a);
                            });
                });
    }

    private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void failuresOfAnotherKindAreThrownAndNothingIsHalfWritten() throws SQLException {
        SilverBatch b = new SilverBatch();
        event(b, 1, "a");
        PGSimpleDataSource wrong = new PGSimpleDataSource();
        wrong.setURL(endpoints.jdbcUrl());
        wrong.setUser(endpoints.pgUser());
        wrong.setPassword("not the password");

        assertThatThrownBy(() -> new SilverStore(wrong).write(b)).isInstanceOf(SQLException.class);
        assertThat(SilverStore.refused(new SQLException("x", "08006"))).isFalse();
        assertThat(SilverStore.refused(new SQLException("x", "23505"))).isFalse();
        assertThat(SilverStore.refused(new SQLException("x", "22P05"))).isTrue();
        assertThat(b.rows()).hasSize(2);
        assertThat(b.refused()).isEmpty();
        assertThat(events("metrics")).isEmpty();
        assertThat(quarantine()).isEmpty();
    }

    @Test
    void aBatchOnBothSidesOfMidnightCreatesBothDaysAndWritesEveryRowOnce() throws SQLException {
        // Two UTC days never written before, each needing its partition, in one batch.
        Instant late = Instant.parse("2025-03-01T23:59:59.999999Z");
        Instant early = Instant.parse("2025-03-02T00:00:00Z");
        SilverBatch batch = new SilverBatch();
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        batch.addPoints(pipeline, team, a, 1, late, List.of(new Point(late, "temp", Map.of("site", "x"), 1)));
        batch.addPoints(
                pipeline,
                team,
                b,
                2,
                early,
                List.of(
                        new Point(late, "temp", Map.of("site", "x"), 2),
                        new Point(early, "temp", Map.of("site", "x"), 3)));

        assertThat(new SilverStore(ds).write(batch)).isEqualTo(3);
        assertThat(events("metrics")).containsExactlyInAnyOrder(a, b);
        assertThat(count("SELECT count(*) FROM metrics WHERE pipeline_id = '" + pipeline + "' AND time = '" + early
                        + "'"))
                .isEqualTo(1);
        // Written again, nothing changes (the idempotent path).
        assertThat(new SilverStore(ds).write(batch)).isZero();
        assertThat(count("SELECT count(*) FROM metrics WHERE pipeline_id = '" + pipeline + "'"))
                .isEqualTo(3);
    }

    long count(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    List<UUID> events(String table) throws SQLException {
        List<UUID> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT DISTINCT event_id FROM " + table + " WHERE pipeline_id = '" + pipeline + "'")) {
            while (rs.next()) {
                out.add(rs.getObject(1, UUID.class));
            }
        }
        return out;
    }

    /** Event id to its errors (pretty JSON) and origin, as one text. */
    Map<UUID, String> quarantine() throws SQLException {
        Map<UUID, String> out = new LinkedHashMap<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT event_id, jsonb_pretty(errors), kafka_partition, kafka_offset,"
                        + " bronze_key FROM quarantine WHERE pipeline_id = '" + pipeline + "'")) {
            while (rs.next()) {
                out.put(
                        rs.getObject(1, UUID.class),
                        rs.getString(2) + " partition=" + rs.getInt(3) + " offset=" + rs.getLong(4) + " bronze="
                                + rs.getString(5));
            }
        }
        return out;
    }

    /**
     * The COPY buffer starts at the batch's estimated size: rows far larger than the estimate (a point with 4 KB of
     * labels, in a batch of one event) and a batch past one chunk are written whole, every label and value intact.
     */
    @Test
    void rowsLargerThanTheBufferEstimateAndBatchesPastAChunkAreWrittenWhole() throws SQLException {
        Map<String, String> wide = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            wide.put("label_" + i, "v".repeat(100) + i);
        }
        SilverBatch one = new SilverBatch();
        UUID id = UUID.randomUUID();
        one.countEvent(T);
        one.origin(id, T, 3, 1L, null);
        one.addPoints(
                pipeline,
                team,
                id,
                1,
                T,
                List.of(new Point(T, "wide_a", wide, 1.5), new Point(T, "wide_b", wide, 2.5)));
        assertThat(new SilverStore(ds).write(one)).isEqualTo(2);

        SilverBatch many = new SilverBatch();
        for (int i = 0; i < 1_500; i++) {
            event(many, 100 + i, "site-" + i);
        }
        assertThat(new SilverStore(ds).write(many)).isEqualTo(3_000);

        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT metric, value, labels::text FROM " + schema
                        + ".metrics WHERE event_id = '" + id + "' ORDER BY metric")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                Map<?, ?> labels = Json.reader().forType(Map.class).readValue(rs.getString(3));
                assertThat(labels).isEqualTo(wide);
                rows.add(rs.getString(1) + "=" + rs.getDouble(2));
            }
            assertThat(rows).containsExactly("wide_a=1.5", "wide_b=2.5");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(events("metrics")).hasSize(1 + 1_500);
    }

    static void execute(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
