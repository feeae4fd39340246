package dev.dash.replay.job;

import dev.dash.model.bronze.BronzeFormatException;
import dev.dash.model.bronze.BronzeReader;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingResult;
import dev.dash.model.mapping.Point;
import dev.dash.model.silver.SilverBatch;
import dev.dash.model.silver.SilverStore;
import io.quarkus.logging.Log;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    /** Raised to end the run without touching the replay: the lease is lost, or the node stops. */
    static final class Stop extends RuntimeException {
        Stop(String why) {
            super(why, null, false, false);
        }
    }

    /** Raised for what no retry can fix: the replay fails. */
    static final class Fatal extends RuntimeException {
        Fatal(String why) {
            super(why, null, false, false);
        }
    }

    private final UUID id;
    private final ReplayJobs jobs;
    private volatile boolean lost;

    ReplayJob(UUID id, ReplayJobs jobs) {
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
        } catch (Stop e) {
            Log.infof("Replay %s stopped on this node: %s", id, e.getMessage());
        } catch (Fatal e) {
            Log.warnf("Replay %s failed: %s", id, e.getMessage());
            end(job, "failed", e.getMessage());
        } catch (RuntimeException e) {
            Log.errorf(e, "Replay %s failed unexpectedly", id);
            end(job, "failed", "internal error: " + e);
        } finally {
            jobs.finished(this);
        }
    }

    private void execute(JobStore.Job job) {
        if (job.cancelRequested()) {
            end(job, "cancelled", null);
            return;
        }
        CompiledMapping mapping = target(job);
        String state = job.state();
        if ("queued".equals(state)) {
            state = advance(job, "queued", "waiting_for_archive");
        }
        if ("waiting_for_archive".equals(state)) {
            // Claimed only once the archive is ready (JobStore.claim).
            state = advance(job, "waiting_for_archive", "running");
        }
        if ("running".equals(state)) {
            replayObjects(job, mapping);
            state = advance(job, "running", "cutting_over");
        }
        if ("cutting_over".equals(state)) {
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

    private String advance(JobStore.Job job, String from, String to) {
        boolean moved = jobs.db(c -> JobStore.advance(c, id, jobs.node(), from, to));
        if (!moved) {
            JobStore.Job now = jobs.db(c -> JobStore.load(c, id, false));
            if (now != null && now.cancelRequested() && JobStore.OPEN.contains(now.state())) {
                end(job, "cancelled", null);
                throw new Stop("cancelled");
            }
            throw new Stop("the replay moved on without this node (" + (now == null ? "deleted" : now.state()) + ")");
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
        // One writer thread for the whole job: a batch is written while the next is mapped.
        try (Writes writes = new Writes(jobs.store())) {
            for (JobStore.BronzeObject o : plan) {
                if (done.contains(o.key())) {
                    continue;
                }
                checkAlive();
                JobStore.ObjectDone result = replayObject(job, mapping, persist, wanted, o, writes);
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
                    throw new Stop("this node no longer holds the replay");
                }
                jobs.progressed(id, result);
                if (cancel) {
                    end(job, "cancelled", null);
                    throw new Stop("cancelled");
                }
            }
        }
    }

    /** Streams one object through the mapping into Silver; retried whole on an infrastructure failure. */
    private JobStore.ObjectDone replayObject(
            JobStore.Job job,
            CompiledMapping mapping,
            boolean persist,
            Set<UUID> wanted,
            JobStore.BronzeObject o,
            Writes writes) {
        long backoff = 250;
        while (true) {
            checkAlive();
            try {
                return read(job, mapping, persist, wanted, o, writes);
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
            }
        }
    }

    private JobStore.ObjectDone read(
            JobStore.Job job,
            CompiledMapping mapping,
            boolean persist,
            Set<UUID> wanted,
            JobStore.BronzeObject o,
            Writes writes)
            throws IOException, SQLException {
        SilverStore store = jobs.store();
        SilverBatch batch = new SilverBatch();
        long events = 0;
        long points = 0;
        long errors = 0;
        Instant min = null;
        Instant max = null;
        List<UUID> resolved = new ArrayList<>();
        int sinceThrottle = 0;
        try (InputStream in = jobs.open(o.key());
                BronzeReader reader = new BronzeReader(in)) {
            RawEnvelope e;
            while ((e = reader.next()) != null) {
                events++;
                if (++sinceThrottle == 256) {
                    jobs.throttle().acquire(sinceThrottle);
                    sinceThrottle = 0;
                }
                if (!e.pipelineId().equals(job.pipelineId())
                        || (job.windowFrom() != null && e.receivedAt().isBefore(job.windowFrom()))
                        || (job.windowTo() != null && !e.receivedAt().isBefore(job.windowTo()))
                        || (wanted != null && !wanted.contains(e.eventId()))) {
                    continue;
                }
                batch.origin(e.eventId(), e.receivedAt(), o.partition(), null, o.key());
                MappingResult result = mapping.apply(EventInput.of(e));
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
                    // One batch is written while the next is read and mapped (PostgreSQL works on its own
                    // core meanwhile); at most one is in flight.
                    points += writes.await();
                    writes.submit(batch);
                    batch = new SilverBatch();
                    checkAlive();
                }
            }
            jobs.throttle().acquire(sinceThrottle);
            // Inside the try: a failure of the write in flight fails the object, which is then read again.
            points += writes.await();
            points += flush(store, batch);
        } catch (IOException | SQLException | RuntimeException e) {
            writes.abandon();
            throw e;
        }
        return new JobStore.ObjectDone(o.key(), events, points, o.bytes(), errors, min, max, resolved);
    }

    /** The batch being written on the job's writer thread, if any. */
    private static final class Writes implements AutoCloseable {
        private final SilverStore store;
        private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dash-replay-write");
            t.setDaemon(true);
            return t;
        });
        private Future<Long> inFlight;

        Writes(SilverStore store) {
            this.store = store;
        }

        void submit(SilverBatch batch) {
            inFlight = thread.submit(() -> flush(store, batch));
        }

        /** Waits for the batch in flight; its rows written (0 when none). */
        long await() throws SQLException {
            if (inFlight == null) {
                return 0;
            }
            try {
                return inFlight.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stop("interrupted");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SQLException sql) {
                    throw sql;
                }
                throw new IllegalStateException(e.getCause());
            } finally {
                inFlight = null;
            }
        }

        /**
         * An object that failed (or is stopped) waits for its write in flight, whatever its outcome, before
         * it is read again or left to the next owner: the object is written whole again anyway.
         */
        void abandon() {
            try {
                await();
            } catch (SQLException | RuntimeException ignored) {
                // superseded by the failure being handled
            }
        }

        @Override
        public void close() {
            abandon();
            thread.shutdown();
        }
    }

    private static long flush(SilverStore store, SilverBatch batch) throws SQLException {
        if (batch.isEmpty()) {
            return 0;
        }
        long n = batch.rows().size();
        store.write(batch);
        batch.clear();
        return n;
    }

    /** Rollups over everything written, then the switch in one transaction, then the snapshot. */
    private void finish(JobStore.Job job) {
        JobStore.Job now = jobs.db(c -> JobStore.load(c, id, false));
        if (now == null) {
            throw new Stop("the replay is gone");
        }
        checkAlive();
        // Before the switch: long-range queries read the rollups (docs/replay.md, step 4).
        jobs.db(c -> {
            JobStore.refreshRollups(c, now.minPointTime(), now.maxPointTime());
            return null;
        });
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
            jobs.publisher().pipelineChanged(job.pipelineId());
        }
        jobs.report(id);
    }

    /** Ends the replay as failed or cancelled (if still open), then tells the writers. */
    private void end(JobStore.Job job, String state, String error) {
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
                Log.infof("Replay %s %s", id, state);
                if (job.mapping()) {
                    jobs.publisher().pipelineChanged(job.pipelineId());
                }
                jobs.report(id);
            }
        } catch (RuntimeException e) {
            Log.warnf("Replay %s could not be marked %s (another node will): %s", id, state, e.getMessage());
        }
    }

    private void checkAlive() {
        if (lost) {
            throw new Stop("this node's lease ran out");
        }
        if (!jobs.running()) {
            throw new Stop("the node is stopping");
        }
    }
}
