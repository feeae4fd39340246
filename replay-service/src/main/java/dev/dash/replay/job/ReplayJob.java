package dev.dash.replay.job;

import dev.dash.model.bronze.BronzeFormatException;
import dev.dash.model.bronze.BronzeReader;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.json.TreeSubset;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingResult;
import dev.dash.model.mapping.Point;
import dev.dash.model.replay.ReplayState;
import dev.dash.model.silver.SilverBatch;
import dev.dash.model.silver.SilverRollups;
import dev.dash.model.silver.SilverStore;
import io.quarkus.logging.Log;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * One run of one replay on this node (docs/replay.md, steps 3 to 5), claimed once the archive is ready:
 * stream the planned Bronze objects through the target version into Silver with checkpoints, refresh the rollups over
 * what was written, cut over. Every step starts from what the database says, so a run that dies anywhere is
 * resumed by the next holder of the lease at the first object without a checkpoint. Infrastructure failures
 * (PostgreSQL, S3) are retried; what no retry can fix (a version that no longer compiles, a Bronze object
 * missing or unreadable) fails the replay and leaves the active version untouched.
 */
final class ReplayJob implements Runnable {
    /** Raised for what no retry can fix: the replay fails. */
    static final class Fatal extends RuntimeException {
        Fatal(String why) {
            super(why, null, false, false);
        }
    }

    private final UUID id;
    private final JobContext jobs;
    private volatile boolean lost;
    /** What this run wrote, refreshed while it writes; null when the run did not write every object (resumed). */
    private RollupTracker rollups;

    ReplayJob(UUID id, JobContext jobs) {
        this.id = id;
        this.jobs = jobs;
    }

    UUID id() {
        return id;
    }

    /** Another node holds the job now (this node's lease ran out): stop at the next check. */
    void lost() {
        lost = true;
    }

    @Override
    public void run() {
        JobStore.Job job = null;
        try {
            job = jobs.db(c -> JobStore.load(c, id, false));
            if (job == null || !JobStore.OPEN.contains(job.state())) {
                return;
            }
            execute(job);
        } catch (JobStop e) {
            Log.infof("Replay %s stopped on this node: %s", id, e.getMessage());
        } catch (Fatal e) {
            Log.warnf("Replay %s failed: %s", id, e.getMessage());
            end(job, ReplayState.FAILED, e.getMessage());
        } catch (RuntimeException e) {
            Log.errorf(e, "Replay %s failed unexpectedly", id);
            end(job, ReplayState.FAILED, "internal error: " + e);
        } finally {
            if (rollups != null) {
                rollups.close();
            }
            jobs.finished(id);
        }
    }

    private void execute(JobStore.Job job) {
        if (job.cancelRequested()) {
            end(job, ReplayState.CANCELLED, null);
            return;
        }
        CompiledMapping mapping = target(job);
        ReplayState state = job.state();
        if (state == ReplayState.QUEUED) {
            state = advance(job, ReplayState.QUEUED, ReplayState.WAITING_FOR_ARCHIVE);
        }
        if (state == ReplayState.WAITING_FOR_ARCHIVE) {
            // Claimed only once the archive is ready (JobStore.claim).
            state = advance(job, ReplayState.WAITING_FOR_ARCHIVE, ReplayState.RUNNING);
        }
        if (state == ReplayState.RUNNING) {
            replayObjects(job, mapping);
            state = advance(job, ReplayState.RUNNING, ReplayState.CUTTING_OVER);
        }
        if (state == ReplayState.CUTTING_OVER) {
            finish(job);
        }
    }

    /** The target version, compiled; fails the replay when it is no longer the one to write. */
    private CompiledMapping target(JobStore.Job job) {
        JobStore.Version v = jobs.db(c -> JobStore.version(c, job.pipelineId(), job.targetVersion()));
        String expected = job.mapping() ? "pending" : "active";
        if (v == null) {
            throw new Fatal("mapping version " + job.targetVersion() + " no longer exists");
        }
        if (!expected.equals(v.status())) {
            throw new Fatal("mapping version " + job.targetVersion() + " is " + v.status() + ", not " + expected);
        }
        try {
            return MappingCompiler.compile(v.document());
        } catch (RuntimeException e) {
            throw new Fatal("mapping version " + job.targetVersion() + " does not compile: " + e.getMessage());
        }
    }

    private ReplayState advance(JobStore.Job job, ReplayState from, ReplayState to) {
        boolean moved = jobs.db(c -> JobStore.advance(c, id, jobs.node(), from, to));
        if (!moved) {
            JobStore.Job now = jobs.db(c -> JobStore.load(c, id, false));
            if (now != null && now.cancelRequested() && JobStore.OPEN.contains(now.state())) {
                end(job, ReplayState.CANCELLED, null);
                throw new JobStop("cancelled");
            }
            throw new JobStop("the replay moved on without this node ("
                    + (now == null ? "deleted" : now.state().dbName()) + ")");
        }
        jobs.report(id);
        return to;
    }

    private void replayObjects(JobStore.Job job, CompiledMapping mapping) {
        boolean persist = Boolean.TRUE.equals(jobs.db(c -> JobStore.persistData(c, job.pipelineId())));
        List<JobStore.BronzeObject> plan =
                jobs.db(c -> job.mapping() ? JobStore.mappingObjects(c, job) : JobStore.quarantineObjects(c, job));
        Set<String> done = jobs.db(c -> JobStore.checkpoints(c, id));
        Set<UUID> wanted = job.mapping() ? null : jobs.db(c -> JobStore.quarantined(c, job));
        long bytes = plan.stream().mapToLong(JobStore.BronzeObject::bytes).sum();
        int already = (int) plan.stream().filter(o -> done.contains(o.key())).count();
        jobs.db(c -> {
            JobStore.planned(c, id, plan.size(), bytes, already);
            return null;
        });
        jobs.report(id);
        Log.infof(
                "Replay %s of pipeline %s to version %d: %d Bronze objects (%d bytes), %d done before",
                id, job.pipelineId(), job.targetVersion(), plan.size(), bytes, already);
        // Pipelined: up to objectsInFlight objects are fetched and mapped at once while earlier batches are
        // written over up to writeConnections connections; objects are checkpointed in plan order, each once every
        // row of it is committed, so a checkpoint never claims a row that is not in Silver.
        List<JobStore.BronzeObject> todo =
                plan.stream().filter(o -> !done.contains(o.key())).toList();
        Deque<Pending> window = new ArrayDeque<>();
        // Rollups refreshed behind the replay, so that only the last minutes are left for the cut-over; a resumed
        // run does not know what the earlier ones wrote and refreshes the whole range then. A mapping replay on plain
        // PostgreSQL merges the minute buckets of its batches in their transactions instead of refreshing them from
        // the rows; only the minutes of batches that could not (a row already there) are refreshed (issue-replay11).
        boolean mergeMinutes = already == 0 && job.mapping() && "plain".equals(jobs.db(JobStore::variant));
        RollupTracker tracker = already == 0
                ? new RollupTracker(
                        new RollupTracker.Refresh() {
                            @Override
                            public void minutes(Instant from, Instant to) {
                                jobs.db(c -> {
                                    SilverRollups.refreshMinutes(c, job.pipelineId(), job.targetVersion(), from, to);
                                    return null;
                                });
                            }

                            @Override
                            public void hours(Instant from, Instant to) {
                                jobs.db(c -> {
                                    SilverRollups.refreshHours(c, job.pipelineId(), job.targetVersion(), from, to);
                                    return null;
                                });
                            }
                        },
                        job.pipelineId(),
                        jobs.objectsInFlight(),
                        jobs.rollupRoundMinutes(),
                        mergeMinutes)
                : null;
        // A mapping replay's batches skip the rollup invalidation log: its pending version is read by nobody before
        // the cut-over, and every minute it wrote is refreshed by this job (behind it, or over the whole range when
        // resumed) before then (docs/replay.md, step 4). A quarantine replay writes the active version: logged.
        try (Pipeline pipeline = new Pipeline(
                !job.mapping(), jobs.objectsInFlight(), jobs.writeConnections(), mergeMinutes ? tracker : null)) {
            int next = 0;
            while (next < todo.size() || !window.isEmpty()) {
                // Twice the readers: a reader that finished mapping an object starts the next one at once.
                while (next < todo.size() && window.size() < 2 * jobs.objectsInFlight()) {
                    checkAlive();
                    JobStore.BronzeObject o = todo.get(next++);
                    window.add(new Pending(
                            o, pipeline.readers.submit(() -> read(job, mapping, persist, wanted, o, pipeline))));
                }
                Pending head = window.poll();
                JobStore.ObjectDone result = replayObject(job, mapping, persist, wanted, head, pipeline);
                Boolean cancel = jobs.db(c -> {
                    c.setAutoCommit(false);
                    try {
                        Boolean r = JobStore.checkpoint(c, id, jobs.node(), jobs.lease(), result);
                        if (r != null && !job.mapping()) {
                            JobStore.resolve(c, job, result.resolved());
                        }
                        c.commit();
                        return r;
                    } catch (SQLException | RuntimeException e) {
                        c.rollback();
                        throw e;
                    }
                });
                if (cancel == null) {
                    throw new JobStop("this node no longer holds the replay");
                }
                jobs.progressed(id, result);
                if (tracker != null) {
                    tracker.written(result.minPointTime(), result.maxPointTime());
                }
                if (cancel) {
                    end(job, ReplayState.CANCELLED, null);
                    throw new JobStop("cancelled");
                }
            }
        } catch (RuntimeException e) {
            if (tracker != null) {
                tracker.close();
            }
            throw e;
        }
        rollups = tracker;
    }

    /** An object planned, being read and mapped on a reader thread. */
    private record Pending(JobStore.BronzeObject object, Future<Reading> reading) {}

    /** What reading and mapping one object gave: its counters and the writes of its batches (some in flight). */
    private record Reading(
            long events, long errors, Instant min, Instant max, List<UUID> resolved, List<Future<Long>> writes) {}

    /**
     * Waits until one object is read, mapped and written whole; an infrastructure failure (of the read or of any
     * of its writes) reads and writes the object whole again, on this thread, after a backoff.
     */
    private JobStore.ObjectDone replayObject(
            JobStore.Job job,
            CompiledMapping mapping,
            boolean persist,
            Set<UUID> wanted,
            Pending pending,
            Pipeline pipeline) {
        JobStore.BronzeObject o = pending.object();
        Future<Reading> reading = pending.reading();
        long backoff = 250;
        while (true) {
            checkAlive();
            try {
                Reading r = reading != null ? get(reading) : read(job, mapping, persist, wanted, o, pipeline);
                long points = awaitAll(r.writes());
                return new JobStore.ObjectDone(
                        o.key(), r.events(), points, o.bytes(), r.errors(), r.min(), r.max(), r.resolved());
            } catch (NoSuchKeyException e) {
                throw new Fatal("Bronze object " + o.key() + " is in the manifest but not in the bucket");
            } catch (BronzeFormatException e) {
                throw new Fatal("Bronze object " + o.key() + " is unreadable: " + e.getMessage());
            } catch (IOException | SdkException | SQLException e) {
                Log.warnf("Replay %s: object %s failed, will retry: %s", id, o.key(), e.getMessage());
                String error = "retrying " + o.key() + ": " + e.getMessage();
                try {
                    jobs.db(c -> {
                        JobStore.lastError(c, id, error);
                        return null;
                    });
                } catch (RuntimeException ignored) {
                    // the database may be what fails
                }
                backoff = jobs.backoff(backoff);
                reading = null;
            }
        }
    }

    /**
     * Reads one object and maps its events, handing each full batch to the pipeline's writers; returns once the
     * last batch is handed over (not written). On a failure it waits for the writes it handed over, whatever
     * their outcome, so that the object is never written by two attempts at once.
     */
    private Reading read(
            JobStore.Job job,
            CompiledMapping mapping,
            boolean persist,
            Set<UUID> wanted,
            JobStore.BronzeObject o,
            Pipeline pipeline)
            throws IOException {
        SilverBatch batch = new SilverBatch();
        long events = 0;
        long errors = 0;
        Instant min = null;
        Instant max = null;
        List<UUID> resolved = new ArrayList<>();
        List<Future<Long>> writes = new ArrayList<>();
        int sinceThrottle = 0;
        try (InputStream in = jobs.open(o.key());
                BronzeReader reader = new BronzeReader(in)) {
            // Only the part of each body the mapping reads is built (TreeSubset): the same points, less decoding.
            TreeSubset subset = mapping.bodySubset();
            EnvelopeCodec.Line line;
            while ((line = reader.nextLine(subset)) != null) {
                RawEnvelope e = line.envelope();
                events++;
                if (++sinceThrottle == 256) {
                    jobs.throttle().acquire(sinceThrottle);
                    sinceThrottle = 0;
                    pipeline.check();
                }
                if (!e.pipelineId().equals(job.pipelineId())
                        || (job.windowFrom() != null && e.receivedAt().isBefore(job.windowFrom()))
                        || (job.windowTo() != null && !e.receivedAt().isBefore(job.windowTo()))
                        || (wanted != null && !wanted.contains(e.eventId()))) {
                    continue;
                }
                batch.origin(e.eventId(), e.receivedAt(), o.partition(), null, o.key());
                // A version-2 line embedding a JSON body was parsed once, its tree included: mapped as it stands.
                MappingResult result = mapping.apply(
                        line.json() != null
                                ? EventInput.ofJson(e.eventId(), e.receivedAt(), line.json())
                                : EventInput.of(e));
                if (!result.ok()) {
                    errors++;
                    batch.quarantine(new SilverBatch.Quarantined(
                            job.pipelineId(),
                            job.teamId(),
                            e.eventId(),
                            job.targetVersion(),
                            e.receivedAt(),
                            result.errors(),
                            o.partition(),
                            null,
                            o.key()));
                } else {
                    for (Point p : result.points()) {
                        min = min == null || p.time().isBefore(min) ? p.time() : min;
                        max = max == null || p.time().isAfter(max) ? p.time() : max;
                    }
                    batch.addPoints(
                            job.pipelineId(),
                            job.teamId(),
                            e.eventId(),
                            job.targetVersion(),
                            e.receivedAt(),
                            result.points());
                    if (persist) {
                        batch.addRecords(
                                job.pipelineId(), job.teamId(), e.eventId(), job.targetVersion(), result.records());
                    }
                    if (wanted != null) {
                        resolved.add(e.eventId());
                    }
                }
                if (batch.size() >= jobs.batchRows()) {
                    writes.add(pipeline.write(batch));
                    batch = new SilverBatch();
                }
            }
            jobs.throttle().acquire(sinceThrottle);
            if (!batch.isEmpty()) {
                writes.add(pipeline.write(batch));
            }
        } catch (IOException | RuntimeException e) {
            abandon(writes);
            throw e;
        }
        return new Reading(events, errors, min, max, resolved, writes);
    }

    /** Rows of every write, once all are done; the first failure is thrown once every one has ended. */
    private static long awaitAll(List<Future<Long>> writes) throws IOException, SQLException {
        long rows = 0;
        Exception failure = null;
        for (Future<Long> w : writes) {
            try {
                rows += get(w);
            } catch (IOException | SQLException | RuntimeException e) {
                if (failure == null || failure instanceof JobStop) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            rethrow(failure);
        }
        return rows;
    }

    /** Waits for the writes, whatever their outcome (the object they belong to failed and is written again). */
    private static void abandon(List<Future<Long>> writes) {
        try {
            awaitAll(writes);
        } catch (IOException | SQLException | RuntimeException ignored) {
            // superseded by the failure being handled
        }
    }

    /** The future's value, or the exception of its task as thrown there. */
    private static <T> T get(Future<T> f) throws IOException, SQLException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobStop("interrupted");
        } catch (CancellationException e) {
            throw new JobStop("the job's pipeline closed");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error err) {
                throw err;
            }
            rethrow((Exception) cause);
            throw new IllegalStateException(cause);
        }
    }

    private static void rethrow(Exception e) throws IOException, SQLException {
        if (e instanceof IOException io) {
            throw io;
        }
        if (e instanceof SQLException sql) {
            throw sql;
        }
        if (e instanceof RuntimeException r) {
            throw r;
        }
        throw new IllegalStateException(e);
    }

    /**
     * One job's threads: readers that fetch and map objects, writers that each write one batch at a time on a
     * connection of their own. Batches handed over and not yet written are bounded, so memory is too.
     */
    private final class Pipeline implements AutoCloseable {
        final ExecutorService readers;
        private final ExecutorService writers;
        /** Whether the batches log the hours they touch for the live rollup job (SilverStore's invalidates). */
        private final boolean invalidates;
        /** The job's rollups when its batches merge their minute buckets, else null. */
        private final RollupTracker merging;
        /** Each writer thread's store, on a connection of its own for the whole job (PinnedDataSource). */
        private final ThreadLocal<Writer> writer = new ThreadLocal<>();

        private final Semaphore queued;
        private volatile boolean closed;

        Pipeline(boolean invalidates, int readers, int writers, RollupTracker merging) {
            this.invalidates = invalidates;
            this.merging = merging;
            this.readers = Executors.newFixedThreadPool(Math.max(1, readers), daemon("dash-replay-read"));
            // A writer thread gives its connection back when it ends (the pool shut down, its last batch done).
            ThreadFactory writerThreads = daemon("dash-replay-write");
            this.writers = Executors.newFixedThreadPool(
                    Math.max(1, writers),
                    r -> writerThreads.newThread(() -> {
                        try {
                            r.run();
                        } finally {
                            Writer w = writer.get();
                            if (w != null) {
                                w.connection().close();
                            }
                        }
                    }));
            // A batch being written per connection, and one ready per reader.
            this.queued = new Semaphore(Math.max(1, writers) + Math.max(1, readers));
        }

        /** Hands a batch to the writers, waiting while too many are queued; its future gives the rows written. */
        Future<Long> write(SilverBatch batch) {
            try {
                while (!queued.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    check();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobStop("interrupted");
            }
            try {
                return writers.submit(() -> {
                    Writer w = writer();
                    try {
                        return flush(w.store(), batch, merging);
                    } catch (Exception | Error e) {
                        // The connection's state after a failure is not trusted: the next batch takes another.
                        w.connection().discard();
                        throw e;
                    } finally {
                        queued.release();
                    }
                });
            } catch (RejectedExecutionException e) {
                queued.release();
                throw new JobStop("the job's pipeline closed");
            }
        }

        /** This writer thread's store and connection. */
        private Writer writer() {
            Writer w = writer.get();
            if (w == null) {
                PinnedDataSource c = jobs.pinnedConnection();
                w = new Writer(new SilverStore(c, invalidates), c);
                writer.set(w);
            }
            return w;
        }

        /** Ends a reader's work when the job ended or lost its lease. */
        void check() {
            if (closed) {
                throw new JobStop("the job's pipeline closed");
            }
            checkAlive();
        }

        /** Stops reading, lets the writes in flight end (each is one transaction) and waits for both. */
        @Override
        public void close() {
            closed = true;
            readers.shutdown();
            writers.shutdown();
            try {
                if (!readers.awaitTermination(60, TimeUnit.SECONDS)
                        || !writers.awaitTermination(60, TimeUnit.SECONDS)) {
                    Log.warnf("Replay %s: reads or writes still running after 60 s", id);
                    readers.shutdownNow();
                    writers.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                readers.shutdownNow();
                writers.shutdownNow();
            }
        }
    }

    /** A writer thread's store over its own connection. */
    private record Writer(SilverStore store, PinnedDataSource connection) {}

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private static long flush(SilverStore store, SilverBatch batch, RollupTracker merging) throws SQLException {
        if (batch.isEmpty()) {
            return 0;
        }
        long n = batch.rows().size();
        if (merging == null || batch.rows().isEmpty()) {
            store.write(batch);
        } else {
            Instant min = null;
            Instant max = null;
            for (SilverBatch.Row r : batch.rows()) {
                min = min == null || r.time().isBefore(min) ? r.time() : min;
                max = max == null || r.time().isAfter(max) ? r.time() : max;
            }
            // No refresh of this job's minutes runs while the merge is in flight (RollupTracker.merging).
            Lock lock = merging.merging();
            lock.lock();
            try {
                store.write(batch, true);
            } finally {
                lock.unlock();
            }
            if (!batch.minutesMerged()) {
                // Committed without its buckets (some rows were there already): refreshed from the rows.
                merging.dirty(min, max);
            }
        }
        batch.clear();
        return n;
    }

    /** Rollups over everything written, then the switch in one transaction, then the snapshot. */
    private void finish(JobStore.Job job) {
        JobStore.Job now = jobs.db(c -> JobStore.load(c, id, false));
        if (now == null) {
            throw new JobStop("the replay is gone");
        }
        checkAlive();
        // Before the switch: long-range queries read the rollups (docs/replay.md, step 4). Only this pipeline's
        // target version, only over the points' times.
        if (rollups != null) {
            try {
                // On plain PostgreSQL the minutes left are refreshed over the writers' connections at once;
                // TimescaleDB's refreshes of one aggregate would only queue on each other.
                boolean plain = "plain".equals(jobs.db(JobStore::variant));
                rollups.finish(plain ? jobs.writeConnections() : 1);
            } finally {
                rollups.close();
                rollups = null;
            }
        } else {
            refreshRollups(job, now.minPointTime(), now.maxPointTime());
        }
        checkAlive();
        boolean switched = jobs.db(c -> {
            c.setAutoCommit(false);
            try {
                boolean ok =
                        job.mapping() ? JobStore.cutOver(c, job, jobs.node()) : JobStore.succeed(c, job, jobs.node());
                c.commit();
                return ok;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        });
        if (!switched) {
            throw new Fatal("the cut-over found the replay or its version changed underneath it");
        }
        Log.infof("Replay %s succeeded: pipeline %s now reads version %d", id, job.pipelineId(), job.targetVersion());
        if (job.mapping()) {
            jobs.pipelineChanged(job.pipelineId());
        }
        jobs.report(id);
    }

    /**
     * Refreshes the rollups of the pipeline's target version over [from, to]. On plain PostgreSQL a range of
     * several hours is cut into slices of whole hours (disjoint buckets) refreshed at once over up to {@code
     * dash.replay.write-connections} connections, so PostgreSQL can use more than one core for it; TimescaleDB's
     * continuous aggregates are refreshed in one call.
     */
    private void refreshRollups(JobStore.Job job, Instant from, Instant to) {
        if (from == null || to == null) {
            return;
        }
        boolean plain = "plain".equals(jobs.db(JobStore::variant));
        long hourFrom = Math.floorDiv(from.getEpochSecond(), 3600);
        long hourTo = Math.floorDiv(to.getEpochSecond(), 3600) + 1;
        int slices = plain ? (int) Math.min(jobs.writeConnections(), hourTo - hourFrom) : 1;
        if (slices <= 1) {
            jobs.db(c -> {
                JobStore.refreshRollups(c, job.pipelineId(), job.targetVersion(), from, to);
                return null;
            });
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(slices, daemon("dash-replay-rollups"));
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int i = 0; i < slices; i++) {
                Instant a = Instant.ofEpochSecond((hourFrom + (hourTo - hourFrom) * i / slices) * 3600);
                // The slice ends right before the next one's first hour: buckets never overlap.
                Instant b = Instant.ofEpochSecond((hourFrom + (hourTo - hourFrom) * (i + 1) / slices) * 3600)
                        .minusMillis(1);
                parts.add(pool.submit(() -> jobs.db(c -> {
                    JobStore.refreshRollups(c, job.pipelineId(), job.targetVersion(), a, b);
                    return null;
                })));
            }
            // Every slice ends before a failure is thrown: no refresh of this job runs on after it.
            RuntimeException failure = null;
            for (Future<?> f : parts) {
                try {
                    get(f);
                } catch (IOException | SQLException | RuntimeException e) {
                    if (failure == null) {
                        failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Ends the replay as failed or cancelled (if still open), then tells the writers. */
    private void end(JobStore.Job job, ReplayState state, String error) {
        if (job == null) {
            return;
        }
        try {
            boolean ended = jobs.db(c -> {
                c.setAutoCommit(false);
                try {
                    boolean ok = JobStore.abandon(c, job, null, state, error);
                    c.commit();
                    return ok;
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            });
            if (ended) {
                Log.infof("Replay %s %s", id, state.dbName());
                if (job.mapping()) {
                    jobs.pipelineChanged(job.pipelineId());
                }
                jobs.report(id);
            }
        } catch (RuntimeException e) {
            Log.warnf("Replay %s could not be marked %s (another node will): %s", id, state.dbName(), e.getMessage());
        }
    }

    private void checkAlive() {
        if (lost) {
            throw new JobStop("this node's lease ran out");
        }
        if (!jobs.running()) {
            throw new JobStop("the node is stopping");
        }
    }
}
