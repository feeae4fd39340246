package dev.dash.web.live.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import dev.dash.web.api.Sql;
import dev.dash.web.query.RollupJob;
import dev.dash.web.query.SeriesSql;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: the hot cache's read ({@link CacheSql}) reads the tiers the data endpoint reads, on both Silver
 * variants: the level's rollup before its watermark, for hour buckets the 1-minute rollup up to its own, raw rows
 * after; every bucket's state (count, sum, min, max, last and its time) equals the raw rows', the hour still open
 * and late rows under buckets already rolled up included. On TimescaleDB it used to read the aggregates (read
 * materialised only) over the whole range, leaving out everything after their watermark.
 */
@Tag(LocalServices.SILVER_TAG)
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class CacheSqlTest {
    @Inject
    RollupJob job;

    @Inject
    Pool pool;

    @Test
    void everyLevelGivesTheRawRowsBucketStatesOverTheRollupsAndTheOpenHour() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        Db.update("UPDATE pipelines SET active_mapping_version = 1 WHERE id = ?", pipeline);
        Instant now = Instant.now();
        Instant hour = now.truncatedTo(ChronoUnit.HOURS);
        Instant from = hour.minus(Duration.ofHours(3));
        insert(pipeline, team.id(), from, now, 1);
        insert(pipeline, team.id(), from, now, 2); // another version: never read
        runRollupJob();
        // Late rows under buckets already rolled up, then the policies or the job once more; then the open minute.
        write(
                pipeline,
                team.id(),
                List.of(
                        from.plus(Duration.ofMinutes(75)).plusMillis(1500),
                        now.minus(Duration.ofMinutes(3)).plusMillis(500)),
                1,
                7000);
        runRollupJob();
        insert(pipeline, team.id(), Instant.now().plusMillis(100), Instant.now().plusMillis(200), 1);

        Map<String, Object> w = Db.rows("SELECT hour_rollup AS h, minute_rollup AS m FROM dash_rollup_watermarks()")
                .get(0);
        assertThat(((Timestamp) w.get("h")).toInstant())
                .as("the hour rollup holds the hours before the open one")
                .isAfter(from);
        assertThat(((Timestamp) w.get("m")).toInstant())
                .as("the minute rollup reaches the hour rollup's watermark")
                .isAfterOrEqualTo(((Timestamp) w.get("h")).toInstant());

        Instant to = hour.plus(Duration.ofHours(1));
        for (String bucket : List.of("PT10S", "PT1M", "PT5M", "PT1H", "PT3H")) {
            Duration width = Duration.parse(bucket);
            Instant f = SeriesSql.floor(from, width);
            List<List<Object>> cached = rows(
                    CacheSql.sql(SeriesSql.level(width)), pipeline, "temp", f, to, SeriesSql.interval(width), null);
            assertThat(cached).as(bucket).isNotEmpty();
            assertThat(cached)
                    .as(bucket + ": the active version")
                    .allSatisfy(r -> assertThat(r.get(0)).isEqualTo(1));
            List<List<Object>> raw = rows("""
                    SELECT 1 AS v, date_bin($5::text::interval, time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS b,
                           labels::text AS labels, count(*) AS n, sum(value) AS total, min(value) AS min_value,
                           max(value) AS max_value, (array_agg(value ORDER BY time DESC))[1] AS last_value,
                           max(time) AS last_time
                    FROM metrics
                    WHERE pipeline_id = $1 AND mapping_version = 1 AND metric = $2 AND time >= $3 AND time < $4
                      AND ($6::text IS NULL OR labels @> $6::text::jsonb)
                    GROUP BY 2, 3
                    """, pipeline, "temp", f, to, SeriesSql.interval(width), null);
            assertThat(cached).as(bucket + " buckets").hasSameSizeAs(raw);
            for (int i = 0; i < raw.size(); i++) {
                List<Object> c = cached.get(i);
                List<Object> r = raw.get(i);
                assertThat(c.subList(1, 4))
                        .as(bucket + " bucket, labels, count")
                        .isEqualTo(r.subList(1, 4));
                assertThat((Double) c.get(4))
                        .as(bucket + " sum at " + r.get(1))
                        .isCloseTo((Double) r.get(4), Offset.offset(1e-6));
                assertThat(c.subList(5, 9))
                        .as(bucket + " min, max, last, last time at " + r.get(1))
                        .isEqualTo(r.subList(5, 9));
            }
        }
    }

    /** Two sites every 10 s in [from, to) under {@code version}, through SilverStore as the Silver writer writes. */
    static void insert(UUID pipeline, UUID team, Instant from, Instant to, int version) {
        List<Instant> times = new ArrayList<>();
        for (Instant t = from; t.isBefore(to); t = t.plusSeconds(10)) {
            times.add(t);
        }
        write(pipeline, team, times, version, -1);
    }

    /** Points of both sites at {@code times}: {@code fixed} if not negative, else a value of the time. */
    static void write(UUID pipeline, UUID team, List<Instant> times, int version, double fixed) {
        var ds = new org.postgresql.ds.PGSimpleDataSource();
        var e = LocalServices.ensureStarted();
        ds.setURL(e.jdbcUrl());
        ds.setUser(e.pgUser());
        ds.setPassword(e.pgPassword());
        var store = new dev.dash.model.silver.SilverStore(ds);
        var batch = new dev.dash.model.silver.SilverBatch();
        try {
            for (Instant t : times) {
                List<dev.dash.model.mapping.Point> points = new ArrayList<>();
                for (String site : List.of("a", "b")) {
                    double v = fixed >= 0
                            ? fixed
                            : (t.getEpochSecond() % 97) + (site.equals("a") ? 0 : 1000) + 100 * version;
                    points.add(new dev.dash.model.mapping.Point(t, "temp", Map.of("site", site), v));
                }
                batch.addPoints(pipeline, team, UUID.randomUUID(), version, Instant.now(), points);
                if (batch.rows().size() >= 2000) {
                    store.write(batch);
                    batch = new dev.dash.model.silver.SilverBatch();
                }
            }
            store.write(batch);
        } catch (java.sql.SQLException x) {
            throw new IllegalStateException(x);
        }
    }

    /** Rows as (version, bucket, labels, count, sum, min, max, last, last time), ordered by labels and bucket. */
    List<List<Object>> rows(String sql, Object... params) {
        List<List<Object>> out = new ArrayList<>(Sql.list(
                        pool,
                        r -> {
                            List<Object> row = new ArrayList<>();
                            row.add(r.getInteger("v"));
                            row.add(r.getValue("b") == null ? null : Sql.instant(r, "b"));
                            row.add(r.getString("labels"));
                            row.add(r.getLong("n"));
                            row.add(r.getDouble("total"));
                            row.add(r.getDouble("min_value"));
                            row.add(r.getDouble("max_value"));
                            row.add(r.getDouble("last_value"));
                            row.add(r.getValue("last_time") == null ? null : Sql.instant(r, "last_time"));
                            return row;
                        },
                        sql,
                        params)
                .await()
                .atMost(Duration.ofSeconds(60)));
        out.removeIf(r -> r.get(1) == null);
        out.sort(Comparator.comparing((List<Object> r) -> (String) r.get(2)).thenComparing(r -> (Instant) r.get(1)));
        return out;
    }

    /** What keeps the rollups current in production: the job on plain, the aggregates' policies on TimescaleDB. */
    void runRollupJob() {
        if (Db.variant().equals("timescaledb")) {
            for (Map<String, Object> j : Db.rows("SELECT job_id FROM timescaledb_information.jobs "
                    + "WHERE proc_name = 'policy_refresh_continuous_aggregate' ORDER BY job_id")) {
                // The job's own background run may be refreshing the same window (55P03): then run it again after.
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                    Db.update("CALL run_job(" + j.get("job_id") + ")");
                    return true;
                });
            }
            return;
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        job.runOnce().await().atMost(Duration.ofSeconds(60)).ran());
    }
}
