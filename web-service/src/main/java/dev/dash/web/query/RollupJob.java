package dev.dash.web.query;

import dev.dash.web.api.Sql;
import dev.dash.web.config.WebConfig;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/**
 * On plain PostgreSQL, keeps the rollups and the watermark current and daily partitions a week ahead: every
 * minute it rebuilds the hours that Silver writes touched, per pipeline (the invalidation log that {@code
 * SilverStore} keeps, like TimescaleDB's for its continuous aggregates), however old. Every web node schedules
 * it; an advisory lock lets exactly one run at a time, and the others skip that round. On TimescaleDB the
 * continuous aggregate policies do this work and the job does nothing.
 *
 * <p>Once an hour it also applies the pipelines' retention ({@code dash_apply_pipeline_retention}) on plain
 * PostgreSQL; on TimescaleDB a job of the extension's scheduler does that (migration V33).
 */
@ApplicationScoped
public class RollupJob {
    static final String LOCK = "dash_rollup_job";
    static final String RETENTION_LOCK = "dash_retention_job";

    private final Pool pool;
    private final QueryService query;
    private final WebConfig config;

    public RollupJob(Pool pool, QueryService query, WebConfig config) {
        this.pool = pool;
        this.query = query;
        this.config = config;
    }

    /**
     * What one round did.
     *
     * @param ran false when another node held the lock, the variant is TimescaleDB, or the job is disabled
     * @param rangesRebuilt (pipeline, run of hours) rebuilt from the invalidation log
     */
    public record Outcome(boolean ran, Instant refreshedTo, int partitionsCreated, int rangesRebuilt) {}

    @Scheduled(every = "60s", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return runOnce()
                .onFailure()
                .recoverWithItem(e -> {
                    Log.warnf("Rollup job failed (next round retries): %s", e.getMessage());
                    return null;
                })
                .replaceWithVoid();
    }

    @Scheduled(every = "1h", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledRetention() {
        return retentionOnce()
                .onFailure()
                .recoverWithItem(e -> {
                    Log.warnf("Retention round failed (the next one retries): %s", e.getMessage());
                    return null;
                })
                .replaceWithVoid();
    }

    /**
     * Deletes the Silver rows older than their pipeline's {@code retention_days}, on plain PostgreSQL and when
     * no other node is doing it.
     *
     * @return rows deleted, or -1 when this node did not run it (TimescaleDB, disabled, or another node's turn)
     */
    public Uni<Long> retentionOnce() {
        if (!config.rollups().enabled()) {
            return Uni.createFrom().item(-1L);
        }
        return query.variant()
                .flatMap(variant -> !variant.equals("plain")
                        ? Uni.createFrom().item(-1L)
                        : pool.withTransaction(tx -> Sql.one(
                                        tx,
                                        r -> r.getBoolean("l"),
                                        "SELECT pg_try_advisory_xact_lock(hashtext($1)) AS l",
                                        RETENTION_LOCK)
                                .flatMap(locked -> !locked
                                        ? Uni.createFrom().item(-1L)
                                        : Sql.one(
                                                tx,
                                                r -> r.getLong("n"),
                                                "SELECT dash_apply_pipeline_retention() AS n"))))
                .invoke(n -> {
                    if (n > 0) {
                        Log.infof("Retention: %d Silver row(s) past their pipeline's retention deleted", n);
                    }
                });
    }

    /**
     * One round on plain PostgreSQL: claims the (pipeline, hour) entries that {@code SilverStore} logged since
     * the last round, rebuilds exactly those hours of exactly those pipelines (late points of any age
     * included), moves the watermark to the current minute, and keeps partitions a week ahead. The claim and
     * the rebuild are two transactions (migration {@code plain/V60} says why), so the node holds a session
     * advisory lock for the round instead of a transaction one.
     */
    public Uni<Outcome> runOnce() {
        if (!config.rollups().enabled()) {
            return Uni.createFrom().item(new Outcome(false, null, 0, 0));
        }
        return query.variant()
                .flatMap(variant -> !variant.equals("plain")
                        ? Uni.createFrom().item(new Outcome(false, null, 0, 0))
                        : pool.withConnection(conn -> Sql.one(
                                        conn,
                                        r -> r.getBoolean("l"),
                                        "SELECT pg_try_advisory_lock(hashtext($1)) AS l",
                                        LOCK)
                                .flatMap(locked -> !locked
                                        ? Uni.createFrom().item(new Outcome(false, null, 0, 0))
                                        : round(conn)
                                                .onTermination()
                                                .call(() -> Sql.run(
                                                                conn, "SELECT pg_advisory_unlock(hashtext($1))", LOCK)
                                                        .onFailure()
                                                        .recoverWithNull()))))
                .invoke(o -> {
                    if (o.ran()) {
                        Log.debugf(
                                "Rollups: %d pipeline range(s) rebuilt, refreshed to %s, %d partition(s) created",
                                (Object) o.rangesRebuilt(), o.refreshedTo(), o.partitionsCreated());
                    }
                });
    }

    private Uni<Outcome> round(io.vertx.mutiny.sqlclient.SqlConnection conn) {
        Instant to = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        // Each statement outside a transaction block commits on its own: the claim first, then the rebuild.
        return Sql.one(conn, r -> r.getInteger("n"), "SELECT dash_claim_rollup_invalidations() AS n")
                .flatMap(claimed ->
                        Sql.one(conn, r -> r.getInteger("n"), "SELECT dash_refresh_invalidated_rollups($1) AS n", to))
                .flatMap(ranges -> Sql.one(
                                conn,
                                r -> r.getInteger("n"),
                                "SELECT dash_ensure_partitions(now(), now() + interval '7 days') AS n")
                        .map(n -> new Outcome(true, to, n, ranges)));
    }
}
