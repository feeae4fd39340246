package dev.dash.ingestor.ingest;

import dev.dash.ingestor.config.IngestorConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Provider delivery ids in {@code ingest_dedupe} (migration V20), shared by every ingestor node. A delivery
 * is claimed as {@code pending} before its publish and marked {@code committed} after Kafka acknowledged
 * it; only a committed claim makes a later delivery a duplicate. A pending claim whose lease ran out (the
 * publish failed, or its node died) is taken over by the next delivery, which keeps the original event ids,
 * so a publish that did reach Kafka after all is deduplicated downstream by event id.
 *
 * <p>Claims and commits are grouped: while one statement runs, the requests that arrive queue up and go
 * together in the next one (one round trip and one plan for many rows, as a database's group commit does),
 * so a lone request waits for nothing and a busy node does not pay one statement per request. Claims are on every
 * request's path, so a claim statement that is late (its backend or the event loop reading its answer waiting for a
 * CPU) holds every request behind it; with {@code dash.ingest.dedupe-claim-statements} above 1 (default 1), while
 * {@link #OVERLAP_GROUP} or more claims wait another statement starts beside the running ones (docs/benchmarks.md,
 * issue-singles: on two busy cores that was no faster). A group's rows are claimed in one order (pipeline, then delivery id), so statements that overlap on
 * a retried delivery wait for each other's row instead of deadlocking. A claim may also linger
 * ({@code dash.ingest.dedupe-claim-linger}, default 0) for company: a claim alone costs PostgreSQL several times its
 * share of a group's statement (docs/benchmarks.md, issue-single11); the answers are the same either way.
 *
 * <p>Commits are on nobody's path (the producer has its answer once Kafka acknowledged), so they also linger
 * ({@code dash.ingest.dedupe-commit-linger}): a commit waits that long for others and they go in one statement, at
 * most one per linger unless {@code MAX_GROUP} are waiting. Until then this node answers a retry of such a delivery
 * as the duplicate it is, from memory; another node sees the claim pending ({@code 503 delivery_in_progress}) a
 * linger longer than before, and if this node dies meanwhile the claim's lease runs out and a retry publishes again
 * under the same event ids, as for a node that died before the acknowledgement. Commits still waiting when the node
 * stops are written then.
 */
@ApplicationScoped
public class DedupeRepository {
    private static final int MAX_GROUP = 500;
    /** Claims waiting that start a statement beside a running one: a group large enough to be cheap per claim. */
    static final int OVERLAP_GROUP = 32;

    private static final Comparator<ClaimRequest> CLAIM_ORDER = Comparator.comparing(
                    (ClaimRequest c) -> c.key().pipelineId())
            .thenComparing(c -> c.key().deliveryId());
    /**
     * The group's event ids travel as one binary {@code uuid[]} ($3), each claim's its slice ($4 starts, $5 counts):
     * PostgreSQL then reads 16 bytes per id instead of parsing 36 characters (which it does per byte pair, through
     * {@code strtoul}: 6.5 % of the dedupe backends' CPU under batches, docs/benchmarks.md, issue-batchpg), and the
     * node builds no string of them. A claim that stored the ids it proposed gets NULL back for them, not its own ids
     * again; a takeover that kept the earlier ids, and every claim not taken, get the stored ids.
     */
    private static final String CLAIM = """
            WITH input AS (
                SELECT p, d, ($3::uuid[])[s + 1 : s + n] AS ids, r, l, x
                FROM unnest($1::uuid[], $2::text[], $4::int[], $5::int[], $6::timestamptz[], $7::timestamptz[],
                            $8::timestamptz[]) AS t(p, d, s, n, r, l, x)
            ), claimed AS (
                INSERT INTO ingest_dedupe AS k (pipeline_id, delivery_id, state, event_ids, received_at, lease_until, expires_at)
                SELECT p, d, 'pending', ids, r, l, x FROM input
                ON CONFLICT (pipeline_id, delivery_id) DO UPDATE
                    SET state = 'pending',
                        event_ids = CASE WHEN k.expires_at > excluded.received_at
                                              AND cardinality(k.event_ids) = cardinality(excluded.event_ids)
                                         THEN k.event_ids ELSE excluded.event_ids END,
                        received_at = CASE WHEN k.expires_at > excluded.received_at THEN k.received_at ELSE excluded.received_at END,
                        lease_until = excluded.lease_until,
                        expires_at = excluded.expires_at
                    WHERE k.expires_at <= excluded.received_at
                       OR (k.state = 'pending' AND k.lease_until <= excluded.received_at)
                RETURNING k.pipeline_id, k.delivery_id, k.state, k.event_ids, k.received_at, k.lease_until
            )
            SELECT c.pipeline_id, c.delivery_id, c.state,
                   CASE WHEN c.event_ids = i.ids THEN NULL ELSE c.event_ids END AS event_ids,
                   c.received_at, c.lease_until, true AS claimed
            FROM claimed c JOIN input i ON c.pipeline_id = i.p AND c.delivery_id = i.d
            UNION ALL
            SELECT k.pipeline_id, k.delivery_id, k.state, k.event_ids, k.received_at, k.lease_until, false
            FROM ingest_dedupe k JOIN input i ON k.pipeline_id = i.p AND k.delivery_id = i.d
            WHERE NOT EXISTS (SELECT 1 FROM claimed c WHERE c.pipeline_id = i.p AND c.delivery_id = i.d)
            """;

    private static final String COMMIT = """
            UPDATE ingest_dedupe k SET state = 'committed'
            FROM unnest($1::uuid[], $2::text[]) AS t(p, d)
            WHERE k.pipeline_id = t.p AND k.delivery_id = t.d
            """;

    private final Pool pool;
    private final AgroalDataSource dataSource;
    private final ConcurrentLinkedQueue<ClaimRequest> claims = new ConcurrentLinkedQueue<>();
    /** Claim statements running, and claims waiting for one. */
    private final AtomicInteger claimsRunning = new AtomicInteger();

    private final AtomicInteger queuedClaims = new AtomicInteger();
    private final AtomicBoolean claimTimer = new AtomicBoolean();
    private final AtomicLong claimStatements = new AtomicLong();
    private final ConcurrentLinkedQueue<Key> commits = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedCommits = new AtomicInteger();
    private final AtomicBoolean committing = new AtomicBoolean();
    private final AtomicBoolean commitTimer = new AtomicBoolean();
    private final AtomicLong commitStatements = new AtomicLong();
    /** Deliveries published by this node whose commit is waiting or being written: their claim answers. */
    private final Map<Key, Claim> published = new ConcurrentHashMap<>();

    private final Duration commitLinger;
    private final Duration claimLinger;
    private final int maxClaimStatements;

    @Inject
    public DedupeRepository(Pool pool, AgroalDataSource dataSource, IngestorConfig config) {
        this(
                pool,
                dataSource,
                config.ingest().dedupeCommitLinger(),
                config.ingest().dedupeClaimLinger(),
                config.ingest().dedupeClaimStatements());
    }

    /** A store whose commits do not linger (each goes in the next statement). */
    public DedupeRepository(Pool pool, AgroalDataSource dataSource) {
        this(pool, dataSource, Duration.ZERO);
    }

    DedupeRepository(Pool pool, AgroalDataSource dataSource, Duration commitLinger) {
        this(pool, dataSource, commitLinger, Duration.ZERO);
    }

    DedupeRepository(Pool pool, AgroalDataSource dataSource, Duration commitLinger, Duration claimLinger) {
        this(pool, dataSource, commitLinger, claimLinger, 1);
    }

    DedupeRepository(
            Pool pool,
            AgroalDataSource dataSource,
            Duration commitLinger,
            Duration claimLinger,
            int maxClaimStatements) {
        if (maxClaimStatements < 1) {
            throw new IllegalArgumentException("dash.ingest.dedupe-claim-statements must be at least 1");
        }
        this.pool = pool;
        this.dataSource = dataSource;
        this.commitLinger = commitLinger;
        this.claimLinger = claimLinger;
        this.maxClaimStatements = maxClaimStatements;
    }

    /**
     * The outcome of a claim.
     *
     * @param claimed true when this request owns the delivery and must publish it
     * @param committed true when the delivery was already published: a duplicate
     * @param eventIds the event ids to publish under (claimed) or to answer with (duplicate)
     * @param receivedAt the received time to publish under
     * @param leaseUntil for a delivery in progress elsewhere, until when its owner holds it
     */
    public record Claim(boolean claimed, boolean committed, UUID[] eventIds, Instant receivedAt, Instant leaseUntil) {}

    private record Key(UUID pipelineId, String deliveryId) {}

    private record ClaimRequest(
            Key key,
            UUID[] eventIds,
            Instant now,
            Instant leaseUntil,
            Instant expiresAt,
            CompletableFuture<Claim> result,
            long queuedAt) {}

    /** Claims a delivery for publishing, or reports it as a duplicate or as in progress elsewhere (the poller's way). */
    public Uni<Claim> claim(
            UUID pipelineId, String deliveryId, UUID[] eventIds, Instant now, Duration lease, Duration window) {
        return Uni.createFrom().completionStage(claimAsync(pipelineId, deliveryId, eventIds, now, lease, window));
    }

    /**
     * {@link #claim} for the ingest request's path: a plain future, so the request pays no Mutiny operator (each of
     * which captures and restores the CDI and JTA thread contexts around its callback: docs/benchmarks.md,
     * issue-singlepath). The future completes on the thread that read the statement's result.
     */
    public CompletableFuture<Claim> claimAsync(
            UUID pipelineId, String deliveryId, UUID[] eventIds, Instant now, Duration lease, Duration window) {
        Key key = new Key(pipelineId, deliveryId);
        Claim done = published.get(key);
        if (done != null) {
            // Published by this node, its commit not written yet: a duplicate, as it will be once written.
            return CompletableFuture.completedFuture(done);
        }
        CompletableFuture<Claim> f = new CompletableFuture<>();
        claims.add(new ClaimRequest(key, eventIds, now, now.plus(lease), now.plus(window), f, System.nanoTime()));
        queuedClaims.incrementAndGet();
        claimLater();
        return f;
    }

    /**
     * Starts the next claim statement now when nothing lingers, else after the claim linger (a statement already
     * running starts the next when it ends, lingering or not: those claims have waited already).
     */
    private void claimLater() {
        if (claimLinger.isZero()) {
            drainClaims();
        } else if (claimTimer.compareAndSet(false, true)) {
            Uni.createFrom()
                    .voidItem()
                    .onItem()
                    .delayIt()
                    .by(claimLinger)
                    .subscribe()
                    .with(x -> {
                        claimTimer.set(false);
                        drainClaims();
                    });
        }
    }

    /**
     * Starts a claim statement for the claims waiting: when none runs, or while {@link #OVERLAP_GROUP} or more wait
     * and fewer than {@code maxClaimStatements} run. A running statement starts the next for whatever waits when it
     * ends ({@link #claimGroup}), so a claim never waits for more than the statements ahead of it.
     */
    private void drainClaims() {
        while (true) {
            int running = claimsRunning.get();
            if (running >= maxClaimStatements || (running > 0 && queuedClaims.get() < OVERLAP_GROUP)) {
                return;
            }
            if (claimsRunning.compareAndSet(running, running + 1)) {
                break;
            }
        }
        claimGroup();
    }

    /** Runs one claim statement for the claims waiting, in a statement slot already held; frees it when none wait. */
    private void claimGroup() {
        List<ClaimRequest> group = new ArrayList<>();
        List<ClaimRequest> later = new ArrayList<>();
        Set<Key> keys = new HashSet<>();
        ClaimRequest c;
        while (group.size() < MAX_GROUP && (c = claims.poll()) != null) {
            queuedClaims.decrementAndGet();
            // One statement may not touch a row twice: a second delivery of the same id waits for the next one.
            (keys.add(c.key()) ? group : later).add(c);
        }
        if (group.isEmpty()) {
            claimsRunning.decrementAndGet();
            if (!claims.isEmpty()) {
                drainClaims();
            }
            return;
        }
        // Rows locked in one order by every statement (INSERT takes them in unnest's order): two statements that
        // overlap on retried deliveries then wait for each other instead of deadlocking.
        long firstQueued = group.get(0).queuedAt();
        group.sort(CLAIM_ORDER);
        int n = group.size();
        UUID[] p = new UUID[n];
        String[] d = new String[n];
        Integer[] starts = new Integer[n];
        Integer[] counts = new Integer[n];
        OffsetDateTime[] r = new OffsetDateTime[n];
        OffsetDateTime[] l = new OffsetDateTime[n];
        OffsetDateTime[] x = new OffsetDateTime[n];
        int ids = 0;
        for (ClaimRequest q : group) {
            ids += q.eventIds().length;
        }
        UUID[] e = new UUID[ids];
        int at = 0;
        for (int i = 0; i < n; i++) {
            ClaimRequest q = group.get(i);
            p[i] = q.key().pipelineId();
            d[i] = q.key().deliveryId();
            starts[i] = at;
            counts[i] = q.eventIds().length;
            System.arraycopy(q.eventIds(), 0, e, at, q.eventIds().length);
            at += q.eventIds().length;
            r[i] = odt(q.now());
            l[i] = odt(q.leaseUntil());
            x[i] = odt(q.expiresAt());
        }
        claimStatements.incrementAndGet();
        IngestEvents.DedupeStatement event = new IngestEvents.DedupeStatement();
        event.begin();
        event.kind = "claim";
        event.rows = n;
        event.queued = System.nanoTime() - firstQueued;
        Tuple t = Tuple.tuple()
                .addArrayOfUUID(p)
                .addArrayOfString(d)
                .addArrayOfUUID(e)
                .addArrayOfInteger(starts)
                .addArrayOfInteger(counts)
                .addArrayOfOffsetDateTime(r)
                .addArrayOfOffsetDateTime(l)
                .addArrayOfOffsetDateTime(x);
        run(CLAIM, t).whenComplete((rows, failure) -> {
            event.commit();
            if (failure != null) {
                group.forEach(q -> q.result().completeExceptionally(failure));
                next(later);
                return;
            }
            Map<Key, Row> byKey = new HashMap<>();
            for (Row row : rows) {
                byKey.put(new Key(row.getUUID("pipeline_id"), row.getString("delivery_id")), row);
            }
            for (ClaimRequest q : group) {
                Row row = byKey.get(q.key());
                if (row == null) {
                    // Claimed concurrently by another node, committed after this statement's snapshot.
                    q.result().complete(new Claim(false, false, null, null, q.leaseUntil()));
                    continue;
                }
                boolean claimed = row.getBoolean("claimed");
                UUID[] stored = row.getArrayOfUUIDs("event_ids");
                q.result()
                        .complete(new Claim(
                                claimed,
                                !claimed && "committed".equals(row.getString("state")),
                                // NULL: the ids this claim proposed are the ones stored.
                                stored != null ? stored : q.eventIds(),
                                row.getOffsetDateTime("received_at").toInstant(),
                                row.getOffsetDateTime("lease_until").toInstant()));
            }
            next(later);
        });
    }

    private void next(List<ClaimRequest> later) {
        claims.addAll(later);
        queuedClaims.addAndGet(later.size());
        claimGroup();
    }

    /**
     * Marks a claimed delivery as published, after the commit linger; failures are logged (the lease then lets a
     * retry republish).
     *
     * @param eventIds the ids it was published under (a retry reaching this node meanwhile is answered with them)
     */
    public void commit(UUID pipelineId, String deliveryId, UUID[] eventIds) {
        Key key = new Key(pipelineId, deliveryId);
        published.put(key, new Claim(false, true, eventIds, null, null));
        commits.add(key);
        queuedCommits.incrementAndGet();
        commitLater();
    }

    /** Starts the next commit statement now when a group is full or nothing lingers, else after the linger. */
    private void commitLater() {
        if (commitLinger.isZero() || queuedCommits.get() >= MAX_GROUP) {
            drainCommits();
        } else if (commitTimer.compareAndSet(false, true)) {
            Uni.createFrom()
                    .voidItem()
                    .onItem()
                    .delayIt()
                    .by(commitLinger)
                    .subscribe()
                    .with(x -> {
                        commitTimer.set(false);
                        drainCommits();
                    });
        }
    }

    private void drainCommits() {
        if (!committing.compareAndSet(false, true)) {
            return; // the statement running starts the next when it ends
        }
        List<Key> group = new ArrayList<>();
        Key k;
        while (group.size() < MAX_GROUP && (k = commits.poll()) != null) {
            group.add(k);
        }
        queuedCommits.addAndGet(-group.size());
        if (group.isEmpty()) {
            committing.set(false);
            if (!commits.isEmpty()) {
                commitLater();
            }
            return;
        }
        UUID[] p = group.stream().map(Key::pipelineId).toArray(UUID[]::new);
        String[] d = group.stream().map(Key::deliveryId).toArray(String[]::new);
        commitStatements.incrementAndGet();
        IngestEvents.DedupeStatement event = new IngestEvents.DedupeStatement();
        event.begin();
        event.kind = "commit";
        event.rows = group.size();
        run(COMMIT, Tuple.tuple().addArrayOfUUID(p).addArrayOfString(d)).whenComplete((rows, e) -> {
            event.commit();
            if (e != null) {
                Log.warnf(
                        "%d dedupe records not marked committed (their leases will let retries republish): %s",
                        group.size(), e.getMessage());
            }
            committed(group);
        });
    }

    private void committed(List<Key> group) {
        group.forEach(published::remove);
        committing.set(false);
        if (!commits.isEmpty()) {
            commitLater();
        }
    }

    /**
     * Writes the commits still waiting, at once, and waits for them (at most {@code timeout}); a stopping node's
     * deliveries are then duplicates for a retry at once, not after their lease.
     */
    public void flushCommits(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!published.isEmpty() && System.nanoTime() < deadline) {
            drainCommits();
            try {
                TimeUnit.MILLISECONDS.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        flushCommits(Duration.ofSeconds(5));
    }

    /** Commit statements run so far (tests). */
    long commitStatements() {
        return commitStatements.get();
    }

    /** Claim statements run so far (tests). */
    long claimStatements() {
        return claimStatements.get();
    }

    /** Releases the claim of a failed publish at once, so the producer's retry is not told to wait. */
    public void release(UUID pipelineId, String deliveryId) {
        run(
                        "UPDATE ingest_dedupe SET lease_until = '-infinity' WHERE pipeline_id = $1 AND delivery_id = $2 AND state = 'pending'",
                        Tuple.of(pipelineId, deliveryId))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        Log.debugf("Dedupe claim %s/%s not released: %s", pipelineId, deliveryId, e.getMessage());
                    }
                });
    }

    /**
     * Runs one statement on a connection taken from the pool ({@code withConnection}), not with the pool's own
     * {@code preparedQuery(...).execute}: in Vert.x 4.5 that path arms a timer of the pool's connection timeout
     * and cancels it only when a connection was acquired, so while PostgreSQL refuses connections every failed
     * statement was followed, a connection timeout later, by the timer failing the already failed result again
     * ({@code IllegalStateException: Result is already complete}, logged at ERROR by Vert.x; reliability finding
     * 8, eclipse-vertx/vertx-sql-client#1706). Taking a connection first cancels its timer either way. Through the
     * Vert.x pool under Mutiny's: a claim statement runs for every request or few, and Mutiny's operators would wrap
     * each of its callbacks in a capture of the thread contexts. The stage completes on the context that ran it.
     */
    private CompletionStage<RowSet<Row>> run(String sql, Tuple args) {
        return pool.getDelegate()
                .withConnection(c -> c.preparedQuery(sql).execute(args))
                .toCompletionStage();
    }

    /** Deletes expired records in batches; returns how many. Blocking. */
    public long deleteExpired() throws SQLException {
        long total = 0;
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            int n;
            do {
                n = st.executeUpdate("DELETE FROM ingest_dedupe WHERE ctid IN (SELECT ctid FROM ingest_dedupe "
                        + "WHERE expires_at < now() LIMIT 10000)");
                total += n;
            } while (n == 10000);
        }
        return total;
    }

    /** {@code i.atOffset(UTC)} without the {@code ZoneRules} that {@code ZoneOffset.getRules()} makes anew each call. */
    static OffsetDateTime odt(Instant i) {
        return OffsetDateTime.of(
                LocalDateTime.ofEpochSecond(i.getEpochSecond(), i.getNano(), ZoneOffset.UTC), ZoneOffset.UTC);
    }
}
