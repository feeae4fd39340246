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
 * On plain PostgreSQL, keeps the rollups and the watermark current and daily partitions a week ahead. Every
 * web node schedules it; a transaction-scoped advisory lock lets exactly one run at a time, and the others
 * skip that round. On TimescaleDB the continuous aggregate policies do this work and the job does nothing.
 */
@ApplicationScoped
public class RollupJob {
    static final String LOCK = "dash_rollup_job";

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
     */
    public record Outcome(boolean ran, Instant refreshedTo, int partitionsCreated) {}

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

    public Uni<Outcome> runOnce() {
        if (!config.rollups().enabled()) {
            return Uni.createFrom().item(new Outcome(false, null, 0));
        }
        return query.variant()
                .flatMap(variant -> !variant.equals("plain")
                        ? Uni.createFrom().item(new Outcome(false, null, 0))
                        : pool.withTransaction(tx -> Sql.one(
                                                tx,
                                                r -> r.getBoolean("l"),
                                                "SELECT pg_try_advisory_xact_lock(hashtext($1)) AS l",
                                                LOCK)
                                        .flatMap(locked -> {
                                            if (!locked) {
                                                return Uni.createFrom().item(new Outcome(false, null, 0));
                                            }
                                            Instant to =
                                                    Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
                                            Instant from =
                                                    to.minus(config.rollups().lookback());
                                            return Sql.run(tx, "SELECT dash_refresh_rollups($1, $2, true)", from, to)
                                                    .flatMap(
                                                            x -> Sql.one(
                                                                    tx,
                                                                    r -> r.getInteger("n"),
                                                                    "SELECT dash_ensure_partitions(now(), now() + interval '7 days') AS n"))
                                                    .map(n -> new Outcome(true, to, n));
                                        }))
                                .invoke(o -> {
                                    if (o.ran()) {
                                        Log.debugf(
                                                "Rollups refreshed to %s, %d partition(s) created",
                                                o.refreshedTo(), o.partitionsCreated());
                                    }
                                }));
    }
}
