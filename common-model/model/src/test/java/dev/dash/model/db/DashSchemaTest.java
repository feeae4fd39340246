package dev.dash.model.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The migrations against the real PostgreSQL: the plain variant always, in a schema of its own; the
 * TimescaleDB variant whenever the server can load the extension, in a database of its own.
 */
class DashSchemaTest {
    private Endpoints endpoints;
    private String schema;

    @BeforeEach
    void freshSchema() throws SQLException {
        endpoints = LocalServices.ensureStarted();
        schema = "mig_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(dataSource(endpoints.pgDatabase(), null), "CREATE SCHEMA " + schema);
    }

    @AfterEach
    void dropSchema() throws SQLException {
        execute(dataSource(endpoints.pgDatabase(), null), "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    @Test
    void plainVariantMigratesOnceAndValidates() throws SQLException {
        DataSource ds = dataSource(endpoints.pgDatabase(), schema);

        assertThatThrownBy(() -> DashSchema.validate(ds, schema, SilverVariant.Choice.PLAIN))
                .isInstanceOf(SchemaException.class)
                .hasMessageContaining("not ready");

        DashSchema.Outcome first = DashSchema.migrate(ds, schema, SilverVariant.Choice.PLAIN);
        assertThat(first.variant()).isEqualTo(SilverVariant.PLAIN);
        var resolved = DashSchema.flyway(ds, schema, SilverVariant.PLAIN).info().all();
        assertThat(first.applied()).isEqualTo(resolved.length).isGreaterThanOrEqualTo(4);
        assertThat(DashSchema.migrate(ds, schema, SilverVariant.Choice.AUTO).applied())
                .isZero();
        assertThat(DashSchema.validate(ds, schema, SilverVariant.Choice.AUTO).version())
                .isEqualTo(resolved[resolved.length - 1].getVersion().getVersion());
        assertThat(queryString(ds, "SELECT dash_silver_variant()")).isEqualTo("plain");

        for (String table : new String[] {
            "teams",
            "users",
            "memberships",
            "invitations",
            "pipelines",
            "pipeline_secrets",
            "pipeline_sinks",
            "data_mappings",
            "dashboards",
            "widgets",
            "replays",
            "replay_checkpoints",
            "bronze_manifest",
            "bronze_progress",
            "poll_state",
            "quarantine",
            "audit_log",
            "metrics",
            "pipeline_records",
            "metrics_1m",
            "metrics_1h",
            "rollup_state"
        }) {
            assertThat(queryString(ds, "SELECT to_regclass('" + table + "')::text"))
                    .as(table)
                    .isEqualTo(table);
        }
        // A week back and a week ahead, for both partitioned tables.
        assertThat(queryLong(ds, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'metrics'::regclass"))
                .isBetween(15L, 16L);
        assertThat(queryLong(ds, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'pipeline_records'::regclass"))
                .isBetween(15L, 16L);
    }

    @Test
    void plainVariantRefusesTimescaleOnceCreated() {
        DataSource ds = dataSource(endpoints.pgDatabase(), schema);
        DashSchema.migrate(ds, schema, SilverVariant.Choice.PLAIN);
        assertThatThrownBy(() -> DashSchema.migrate(ds, schema, SilverVariant.Choice.TIMESCALEDB))
                .isInstanceOf(SchemaException.class)
                .hasMessageContaining("already holds the PLAIN Silver schema");
    }

    @Test
    void plainSilverIsIdempotentPartitionedAndRollsUp() throws SQLException {
        DataSource ds = dataSource(endpoints.pgDatabase(), schema);
        DashSchema.migrate(ds, schema, SilverVariant.Choice.PLAIN);
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        UUID event = UUID.randomUUID();
        Instant t0 = Instant.parse("2020-03-04T10:15:30Z");

        assertThatThrownBy(() -> insertMetric(ds, t0, pipeline, team, event, 0, 1.0))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("no partition");
        assertThat(queryLong(ds, "SELECT dash_ensure_partitions('2020-03-04T10:00Z', '2020-03-04T11:00Z')"))
                .isEqualTo(2);
        assertThat(queryLong(ds, "SELECT dash_ensure_partitions('2020-03-04T00:00Z', '2020-03-04T23:59Z')"))
                .isZero();

        assertThat(insertMetric(ds, t0, pipeline, team, event, 0, 1.0)).isEqualTo(1);
        assertThat(insertMetric(ds, t0, pipeline, team, event, 0, 1.0))
                .as("redelivered")
                .isZero();
        assertThat(insertMetric(ds, t0.plusSeconds(10), pipeline, team, UUID.randomUUID(), 0, 5.0))
                .isEqualTo(1);
        assertThat(insertMetric(ds, t0.plusSeconds(20), pipeline, team, UUID.randomUUID(), 0, 3.0))
                .isEqualTo(1);
        assertThat(insertMetric(ds, t0.plus(40, ChronoUnit.MINUTES), pipeline, team, UUID.randomUUID(), 0, 10.0))
                .isEqualTo(1);

        execute(ds, "SELECT dash_refresh_rollups('2020-03-04T10:00Z', '2020-03-04T11:00Z')");
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT n, total, min_value, max_value, last_value FROM metrics_1m ORDER BY bucket");
                ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(3);
            assertThat(rs.getDouble(2)).isEqualTo(9.0);
            assertThat(rs.getDouble(3)).isEqualTo(1.0);
            assertThat(rs.getDouble(4)).isEqualTo(5.0);
            assertThat(rs.getDouble(5)).isEqualTo(3.0);
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(1);
            assertThat(rs.next()).isFalse();
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT bucket, n, total, min_value, max_value, last_value FROM metrics_1h");
                ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getObject(1, java.time.OffsetDateTime.class).toInstant())
                    .isEqualTo(Instant.parse("2020-03-04T10:00:00Z"));
            assertThat(rs.getLong(2)).isEqualTo(4);
            assertThat(rs.getDouble(3)).isEqualTo(19.0);
            assertThat(rs.getDouble(6)).isEqualTo(10.0);
            assertThat(rs.next()).isFalse();
        }
        // Refreshing again replaces the buckets rather than adding to them.
        execute(ds, "SELECT dash_refresh_rollups('2020-03-04T10:00Z', '2020-03-04T11:00Z')");
        assertThat(queryLong(ds, "SELECT sum(n) FROM metrics_1h")).isEqualTo(4);
        assertThat(queryString(ds, "SELECT refreshed_to::text FROM rollup_state"))
                .startsWith("2020-03-04 11:00:00");

        // Retention drops whole days.
        assertThat(queryLong(ds, "SELECT dash_drop_partitions_before('2020-03-05T00:00Z')"))
                .isEqualTo(2);
        assertThat(queryLong(ds, "SELECT count(*) FROM metrics")).isZero();
    }

    /**
     * Issue 18: plain rollups follow the invalidation log SilverStore writes, per pipeline: a claimed entry
     * that a writer touches again stays for the next round (and is rebuilt in this one too, issue 19), and another
     * pipeline's rollup rows are left alone.
     */
    @Test
    void plainRollupsFollowTheInvalidationLogPerPipeline() throws SQLException {
        DataSource ds = dataSource(endpoints.pgDatabase(), schema);
        DashSchema.migrate(ds, schema, SilverVariant.Choice.PLAIN);
        UUID late = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant t = Instant.parse("2020-03-04T10:15:30Z");
        execute(ds, "SELECT dash_ensure_partitions('2020-03-04T00:00Z', '2020-03-04T00:00Z')");
        insertMetric(ds, t, late, team, UUID.randomUUID(), 0, 1.0);
        insertMetric(ds, t, other, team, UUID.randomUUID(), 0, 1.0);
        execute(ds, "SELECT dash_refresh_rollups('2020-03-04T10:00Z', '2020-03-04T11:00Z')");
        String otherRows = "SELECT string_agg(xmin::text, ',') FROM metrics_1m WHERE pipeline_id = '" + other + "'";
        String before = queryString(ds, otherRows);

        // A late row of one pipeline, logged as SilverStore logs it.
        insertMetric(ds, t.plusSeconds(60), late, team, UUID.randomUUID(), 0, 5.0);
        String log = "SELECT dash_invalidate_rollups(ARRAY['" + late + "']::uuid[], ARRAY['" + t.plusSeconds(60)
                + "']::timestamptz[])";
        execute(ds, log);
        execute(ds, log);
        assertThat(queryLong(ds, "SELECT count(*) FROM rollup_invalidations")).isEqualTo(1);
        assertThat(queryLong(ds, "SELECT dash_claim_rollup_invalidations()")).isEqualTo(1);
        // Written again after the claim: un-claimed, so kept for the next round; but this round rebuilds the hour
        // all the same (plain/V131): the row written before the claim is in the rollups once the watermark has
        // moved past it. V60 skipped an un-claimed hour and moved the watermark anyway, so readers took that
        // hour's minutes from rollups without the row until the next round (a dashboard's count went down).
        execute(ds, log);
        assertThat(queryLong(ds, "SELECT dash_refresh_invalidated_rollups('2020-03-05T00:00Z')"))
                .isEqualTo(1);
        assertThat(queryString(ds, "SELECT refreshed_to::text FROM rollup_state"))
                .startsWith("2020-03-05 00:00:00");
        assertThat(queryLong(ds, "SELECT sum(n) FROM metrics_1h WHERE pipeline_id = '" + late + "'"))
                .as("the rows before the watermark are in the rollups")
                .isEqualTo(2);
        assertThat(queryLong(ds, "SELECT sum(n) FROM metrics_1m WHERE pipeline_id = '" + late + "'"))
                .isEqualTo(2);
        assertThat(queryLong(ds, "SELECT count(*) FROM rollup_invalidations")).isEqualTo(1);
        assertThat(queryLong(ds, "SELECT dash_claim_rollup_invalidations()")).isEqualTo(1);
        assertThat(queryLong(ds, "SELECT dash_refresh_invalidated_rollups('2020-03-05T00:00Z')"))
                .isEqualTo(1);
        assertThat(queryLong(ds, "SELECT count(*) FROM rollup_invalidations")).isZero();
        assertThat(queryLong(ds, "SELECT sum(n) FROM metrics_1h WHERE pipeline_id = '" + late + "'"))
                .isEqualTo(2);
        assertThat(queryString(ds, otherRows))
                .as("the other pipeline untouched")
                .isEqualTo(before);
        assertThat(queryString(ds, "SELECT refreshed_to::text FROM rollup_state"))
                .startsWith("2020-03-05 00:00:00");

        // What a replay's cut-over calls for its pipeline: only that pipeline's buckets are rebuilt.
        insertMetric(ds, t.plusSeconds(120), late, team, UUID.randomUUID(), 0, 7.0);
        try (Connection c = ds.getConnection()) {
            dev.dash.model.silver.SilverRollups.refresh(c, late, t.plusSeconds(120), t.plusSeconds(120));
        }
        assertThat(queryLong(ds, "SELECT sum(n) FROM metrics_1h WHERE pipeline_id = '" + late + "'"))
                .isEqualTo(3);
        assertThat(queryString(ds, otherRows))
                .as("the other pipeline still untouched")
                .isEqualTo(before);
    }

    /**
     * Issue 19 (plain/V138): the per-pipeline refresh reads its range through the series index, one (version, metric)
     * pair at a time; refreshed minute by minute, with and without a version, every bucket is still what the raw rows
     * say (count, sum, min, max, last value: latest time, then greatest event id and seq), for every metric and
     * version, including a metric that appears only in one minute, and other pipelines' rows stay out.
     */
    @Test
    void plainRefreshOfShortRangesGivesTheBucketsOfTheRawRows() throws SQLException {
        DataSource ds = dataSource(endpoints.pgDatabase(), schema);
        DashSchema.migrate(ds, schema, SilverVariant.Choice.PLAIN);
        UUID pipeline = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        execute(ds, "SELECT dash_ensure_partitions('2020-03-04T00:00Z', '2020-03-05T00:00Z')");
        // Ten minutes across midnight (two partitions), three metrics and two versions, rows i and i + 12 of a series
        // at the same time (the last value then by event id); a metric only in minute 23:58; the other pipeline in
        // the same minutes.
        execute(ds, """
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
                SELECT TIMESTAMPTZ '2020-03-04T23:55:00Z' + (i / 24) * interval '36 seconds', p, '%s',
                       (ARRAY['a', 'b', 'c'])[1 + i %% 3], jsonb_build_object('k', i %% 4), (i * 7) %% 13,
                       md5(i::text || p::text)::uuid, v, i %% 2
                FROM generate_series(0, 399) i, (VALUES ('%s'::uuid), ('%s'::uuid)) AS ps(p), (VALUES (1), (2)) AS vs(v)
                """.formatted(team, pipeline, other));
        execute(ds, """
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
                VALUES ('2020-03-04T23:58:10Z', '%s', '%s', 'rare', '{}', 42, gen_random_uuid(), 2, 0)
                """.formatted(pipeline, team));
        for (int m = 0; m < 10; m++) {
            Instant from = Instant.parse("2020-03-04T23:55:00Z").plus(m, ChronoUnit.MINUTES);
            String range = "'" + pipeline + "'::uuid, '" + from + "'::timestamptz, '" + from.plus(1, ChronoUnit.MINUTES)
                    + "'::timestamptz";
            // Even minutes per version, as a replay refreshes; odd ones every version at once, as the rollup job.
            execute(ds, "SELECT dash_refresh_rollups(" + range + (m % 2 == 0 ? ", 2)" : ", NULL::integer)"));
            if (m % 2 == 0) {
                execute(ds, "SELECT dash_refresh_rollups(" + range + ", 1)");
            }
        }
        String raw = """
                SELECT date_bin('1 minute', time, TIMESTAMPTZ '2000-01-01Z') AS bucket, pipeline_id, metric, labels,
                       mapping_version, count(*) AS n, sum(value) AS total, min(value) AS min_value,
                       max(value) AS max_value,
                       (array_agg(value ORDER BY time DESC, event_id DESC, seq DESC))[1] AS last_value,
                       max(time) AS last_time
                FROM metrics WHERE pipeline_id = '%s' GROUP BY 1, 2, 3, 4, 5
                """.formatted(pipeline);
        assertThat(queryLong(ds, "SELECT count(DISTINCT bucket) FROM (" + raw + ") r"))
                .isEqualTo(10);
        assertThat(
                        queryLong(
                                ds,
                                "SELECT count(*) FROM (" + raw + ") r FULL JOIN (SELECT * FROM metrics_1m "
                                        + "WHERE pipeline_id = '" + pipeline
                                        + "') b USING (bucket, pipeline_id, metric, labels, "
                                        + "mapping_version) WHERE r.n IS DISTINCT FROM b.n OR r.total IS DISTINCT FROM b.total "
                                        + "OR r.min_value IS DISTINCT FROM b.min_value OR r.max_value IS DISTINCT FROM b.max_value "
                                        + "OR r.last_value IS DISTINCT FROM b.last_value OR r.last_time IS DISTINCT FROM b.last_time"))
                .as("every minute bucket as the raw rows say")
                .isZero();
        assertThat(queryLong(ds, "SELECT sum(n) FROM metrics_1h WHERE pipeline_id = '" + pipeline + "'"))
                .isEqualTo(2 * 400 + 1);
        assertThat(queryLong(ds, "SELECT count(*) FROM metrics_1m WHERE pipeline_id = '" + other + "'"))
                .isZero();
    }

    @Test
    void perPipelineRetentionDeletesOnlyThatPipelinesOldRows() throws SQLException {
        DataSource ds = dataSource(endpoints.pgDatabase(), schema);
        DashSchema.migrate(ds, schema, SilverVariant.Choice.PLAIN);
        UUID team = UUID.randomUUID();
        execute(ds, "INSERT INTO teams (id, name, slug) VALUES ('" + team + "', 'T', 't-" + schema.substring(4) + "')");
        UUID keep = UUID.randomUUID();
        UUID expire = UUID.randomUUID();
        execute(
                ds,
                "INSERT INTO pipelines (id, team_id, name, type) VALUES ('" + keep + "', '" + team
                        + "', 'keep', 'realtime')");
        execute(
                ds,
                "INSERT INTO pipelines (id, team_id, name, type, retention_days) VALUES ('" + expire + "', '" + team
                        + "', 'expire', 'realtime', 2)");
        Instant now = LocalDate.now(ZoneOffset.UTC)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant()
                .plusSeconds(3600);
        Instant old = now.minus(5, ChronoUnit.DAYS);
        for (UUID p : new UUID[] {keep, expire}) {
            insertMetric(ds, old, p, team, UUID.randomUUID(), 0, 1);
            insertMetric(ds, now, p, team, UUID.randomUUID(), 0, 1);
        }
        assertThat(queryLong(ds, "SELECT dash_apply_pipeline_retention('" + now + "')"))
                .isEqualTo(1);
        assertThat(queryLong(ds, "SELECT count(*) FROM metrics WHERE pipeline_id = '" + keep + "'"))
                .isEqualTo(2);
        assertThat(queryLong(ds, "SELECT count(*) FROM metrics WHERE pipeline_id = '" + expire + "'"))
                .isEqualTo(1);
    }

    @Test
    void timescaleVariantWhenTheExtensionIsInstalled() throws SQLException {
        // Skipped only where the server lacks the extension; installed but not loadable (not preloaded) fails.
        Assumptions.assumeTrue(
                LocalServices.timescaleInstalled(endpoints), "TimescaleDB is not installed in this PostgreSQL");
        DataSource admin = dataSource(endpoints.pgDatabase(), null);
        String db = "dash_ts_" + schema.substring(4);
        execute(admin, "CREATE DATABASE " + db);
        try {
            DataSource ds = dataSource(db, "public");
            DashSchema.Outcome outcome = DashSchema.migrate(ds, "public", SilverVariant.Choice.AUTO);
            assertThat(outcome.variant()).isEqualTo(SilverVariant.TIMESCALEDB);
            assertThat(DashSchema.validate(ds, "public", SilverVariant.Choice.TIMESCALEDB)
                            .version())
                    .isEqualTo(outcome.version());
            assertThat(queryString(ds, "SELECT dash_silver_variant()")).isEqualTo("timescaledb");
            // The same refresh functions as the plain variant (V83), the per-pipeline one refusing with a hint.
            assertThat(queryString(
                            ds,
                            "SELECT string_agg(pg_get_function_identity_arguments(p.oid), ' | ' ORDER BY 1) FROM pg_proc p "
                                    + "JOIN pg_namespace n ON n.oid = p.pronamespace "
                                    + "WHERE n.nspname = 'public' AND p.proname LIKE 'dash_refresh_rollups%'"))
                    .isEqualTo("p_from timestamp with time zone, p_to timestamp with time zone, p_advance boolean | "
                            + "p_pipeline uuid, p_from timestamp with time zone, p_to timestamp with time zone, "
                            + "p_version integer");
            assertThatThrownBy(() -> execute(
                            ds,
                            "SELECT dash_refresh_rollups(gen_random_uuid(), '2020-03-04T10:00Z', '2020-03-04T11:00Z')"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("refresh_continuous_aggregate");
            assertThat(
                            queryLong(
                                    ds,
                                    "SELECT count(*) FROM timescaledb_information.hypertables "
                                            + "WHERE hypertable_name IN ('metrics', 'pipeline_records') AND compression_enabled"))
                    .isEqualTo(2);
            assertThat(queryLong(
                            ds,
                            "SELECT count(*) FROM timescaledb_information.continuous_aggregates "
                                    + "WHERE view_name IN ('metrics_1m', 'metrics_1h') AND materialized_only"))
                    .as("read materialised only, the raw tail merged by the query (V60)")
                    .isEqualTo(2);
            assertThat(queryLong(
                            ds,
                            "SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate' "
                                    + "AND config->>'start_offset' IS NULL AND config->>'end_offset' = '00:01:00'"))
                    .as("policies over the whole history, up to the bucket still open (V60)")
                    .isEqualTo(2);
            // Segment by series, order by time then the rest of the unique key (no warning at migration).
            assertThat(
                            queryString(
                                    ds,
                                    "SELECT string_agg(attname || coalesce(':' || segmentby_column_index, '') "
                                            + "|| coalesce('/' || orderby_column_index, ''), ',' ORDER BY attname) "
                                            + "FROM timescaledb_information.compression_settings WHERE hypertable_name = 'metrics'"))
                    .isEqualTo("event_id/3,labels:3,mapping_version/2,metric:2,pipeline_id:1,seq/4,time/1");
            // Compression, continuous aggregate refreshes and per-pipeline retention are scheduled.
            assertThat(queryString(
                            ds,
                            "SELECT string_agg(proc_name, ',' ORDER BY proc_name) FROM timescaledb_information.jobs "
                                    + "WHERE hypertable_name IS DISTINCT FROM 'bgw_job_stat_history' AND proc_name <> 'policy_telemetry' "
                                    + "AND proc_name <> 'policy_job_stat_history_retention'"))
                    .isEqualTo("dash_retention_job,policy_compression,policy_compression,"
                            + "policy_refresh_continuous_aggregate,policy_refresh_continuous_aggregate");

            UUID pipeline = UUID.randomUUID();
            UUID team = UUID.randomUUID();
            UUID event = UUID.randomUUID();
            Instant t = Instant.parse("2021-06-01T12:00:00Z");
            assertThat(insertMetric(ds, t, pipeline, team, event, 0, 2.0)).isEqualTo(1);
            assertThat(insertMetric(ds, t, pipeline, team, event, 0, 2.0)).isZero();
            assertThat(insertMetric(ds, t.plusSeconds(30), pipeline, team, UUID.randomUUID(), 0, 4.0))
                    .isEqualTo(1);
            // Through SilverRollups: the aggregate's own policy job may be refreshing the same window right after
            // the migration (TimescaleDB refuses a concurrent refresh with 55P03; SilverRollups waits for it).
            try (Connection c = ds.getConnection()) {
                dev.dash.model.silver.SilverRollups.refresh(
                        c, Instant.parse("2021-06-01T00:00:00Z"), Instant.parse("2021-06-02T00:00:00Z"));
            }
            assertThat(queryLong(ds, "SELECT n FROM metrics_1m WHERE pipeline_id = '" + pipeline + "'"))
                    .isEqualTo(2);

            // A compressed chunk still refuses a redelivered row and takes a late one (replays write old days).
            assertThat(queryLong(ds, "SELECT count(*) FROM (SELECT compress_chunk(c) FROM show_chunks('metrics') c) x"))
                    .isEqualTo(1);
            assertThat(queryLong(
                            ds,
                            "SELECT count(*) FROM timescaledb_information.chunks "
                                    + "WHERE hypertable_name = 'metrics' AND is_compressed"))
                    .isEqualTo(1);
            assertThat(insertMetric(ds, t, pipeline, team, event, 0, 2.0))
                    .as("redelivered into a compressed chunk")
                    .isZero();
            assertThat(insertMetric(ds, t.plusSeconds(90), pipeline, team, UUID.randomUUID(), 0, 6.0))
                    .as("late row into a compressed chunk")
                    .isEqualTo(1);
            assertThat(queryLong(ds, "SELECT count(*) FROM metrics")).isEqualTo(3);
            long before =
                    queryLong(ds, "SELECT after_compression_total_bytes FROM hypertable_compression_stats('metrics')");
            assertThat(before).isPositive();

            // Per-pipeline retention deletes from compressed chunks too.
            execute(ds, "INSERT INTO teams (id, name, slug) VALUES ('" + team + "', 'T', 't')");
            execute(
                    ds,
                    "INSERT INTO pipelines (id, team_id, name, type, retention_days) VALUES ('" + pipeline + "', '"
                            + team + "', 'expire', 'realtime', 2)");
            assertThat(queryLong(ds, "SELECT dash_apply_pipeline_retention('2021-06-04T00:00Z')"))
                    .isEqualTo(3);
            assertThat(queryLong(ds, "SELECT count(*) FROM metrics")).isZero();
            // The retention job runs the same function (run_job runs it now, in this session).
            execute(
                    ds,
                    "CALL run_job("
                            + queryLong(
                                    ds,
                                    "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'dash_retention_job'")
                            + ")");
        } finally {
            LocalServices.dropDatabase(endpoints, db);
        }
    }

    /**
     * Issue 11: TimescaleDB's fixed cost per query. {@code timescaledb/V95} moves the hour rollup's materialised
     * rows into chunks of 365 days (a 30-day chart planned 4 chunks of 10 days) and leaves the rows and the
     * watermark as they were; {@code V94}'s {@code dash_rollup_watermarks()} answers both watermarks in one call,
     * as the two single calls do.
     */
    @Test
    void timescaleHourRollupMovesIntoYearChunksKeepingRowsAndWatermark() throws SQLException {
        Assumptions.assumeTrue(
                LocalServices.timescaleInstalled(endpoints), "TimescaleDB is not installed in this PostgreSQL");
        DataSource admin = dataSource(endpoints.pgDatabase(), null);
        String db = "dash_ts_" + schema.substring(4);
        execute(admin, "CREATE DATABASE " + db);
        try {
            DataSource ds = dataSource(db, "public");
            // The schema as it was before V95, with 40 days of points materialised in 10-day chunks.
            org.flywaydb.core.Flyway.configure(DashSchema.class.getClassLoader())
                    .configuration(DashSchema.flyway(ds, "public", SilverVariant.TIMESCALEDB)
                            .getConfiguration())
                    .target("94")
                    .load()
                    .migrate();
            assertThat(
                            queryLong(
                                    ds,
                                    "SELECT extract(epoch FROM d.time_interval)::bigint / 86400 FROM timescaledb_information.dimensions d "
                                            + "JOIN timescaledb_information.continuous_aggregates c "
                                            + "ON c.materialization_hypertable_name = d.hypertable_name WHERE c.view_name = 'metrics_1h'"))
                    .isEqualTo(10);
            UUID pipeline = UUID.randomUUID();
            UUID team = UUID.randomUUID();
            Instant start = Instant.parse("2021-06-01T00:00:00Z");
            execute(
                    ds,
                    "INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) "
                            + "SELECT t, '" + pipeline + "', '" + team + "', 'temp', '{\"site\":\"a\"}', "
                            + "extract(epoch FROM t) / 3600, gen_random_uuid(), 1, 0 "
                            + "FROM generate_series(timestamptz '" + start + "', timestamptz '" + start
                            + "' + interval '40 days', interval '5 hours') t");
            try (Connection c = ds.getConnection()) {
                dev.dash.model.silver.SilverRollups.refresh(c, start, start.plus(41, ChronoUnit.DAYS));
            }
            String rows = "SELECT count(*) || '/' || sum(n) || '/' || sum(total) FROM metrics_1h";
            String before = queryString(ds, rows);
            String watermark = queryString(ds, "SELECT dash_rollup_watermark('metrics_1h')");
            assertThat(queryLong(ds, "SELECT count(*) FROM show_chunks('metrics_1h')"))
                    .isGreaterThanOrEqualTo(4);
            assertThat(queryString(ds, "SELECT hour_rollup || ' ' || minute_rollup FROM dash_rollup_watermarks()"))
                    .isEqualTo(queryString(
                            ds,
                            "SELECT greatest(dash_rollup_watermark('metrics_1h'), '1970-01-01'::timestamptz) || ' ' "
                                    + "|| greatest(dash_rollup_watermark('metrics_1m'), '1970-01-01'::timestamptz)"));

            DashSchema.migrate(ds, "public", SilverVariant.Choice.TIMESCALEDB);

            assertThat(queryLong(ds, "SELECT count(*) FROM show_chunks('metrics_1h')"))
                    .as("40 days of 2021-06/07 in one chunk of 365 days")
                    .isEqualTo(1);
            assertThat(queryString(ds, rows)).isEqualTo(before);
            assertThat(queryString(ds, "SELECT dash_rollup_watermark('metrics_1h')"))
                    .isEqualTo(watermark);
            // New materialisation still lands in the hour rollup (a later day, refreshed after the move).
            insertMetric(ds, start.plus(50, ChronoUnit.DAYS), pipeline, team, UUID.randomUUID(), 0, 1.0);
            try (Connection c = ds.getConnection()) {
                dev.dash.model.silver.SilverRollups.refresh(
                        c, start.plus(50, ChronoUnit.DAYS), start.plus(51, ChronoUnit.DAYS));
            }
            assertThat(queryLong(
                            ds,
                            "SELECT count(*) FROM metrics_1h WHERE bucket = '" + start.plus(50, ChronoUnit.DAYS) + "'"))
                    .isEqualTo(1);
        } finally {
            LocalServices.dropDatabase(endpoints, db);
        }
    }

    private int insertMetric(DataSource ds, Instant time, UUID pipeline, UUID team, UUID event, int seq, double value)
            throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) "
                                + "VALUES (?, ?, ?, 'temp', '{\"site\":\"a\"}', ?, ?, 1, ?) ON CONFLICT DO NOTHING")) {
            ps.setObject(1, time.atOffset(ZoneOffset.UTC));
            ps.setObject(2, pipeline);
            ps.setObject(3, team);
            ps.setDouble(4, value);
            ps.setObject(5, event);
            ps.setInt(6, seq);
            return ps.executeUpdate();
        }
    }

    private DataSource dataSource(String database, String currentSchema) {
        return endpoints.withDatabase(database).dataSource(currentSchema);
    }

    private static void execute(DataSource ds, String sql) throws SQLException {
        Sql.execute(ds, sql);
    }

    private static String queryString(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long queryLong(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
