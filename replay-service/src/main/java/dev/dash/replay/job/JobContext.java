package dev.dash.replay.job;

import java.io.InputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;

/**
 * What one replay job needs of the node that runs it, and no more: the database (with its retry rule),
 * Bronze, the shared throttle and Silver writer, the job's settings, and where it reports. {@link ReplayJobs}
 * gives each job one; a job never sees the runner itself (its claims, leases and the other jobs).
 */
interface JobContext {
    /** Work on one connection. */
    @FunctionalInterface
    interface Sql<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs on a fresh connection; failures of the database's availability are retried with backoff while the
     * job may go on (the job is stopped once the node stops), anything else fails the job.
     */
    <T> T db(Sql<T> work);

    /** Opens a Bronze object. */
    InputStream open(String key);

    /** Waits {@code backoff} ms (or until the node stops) and returns the next wait. */
    long backoff(long backoff);

    /** Whether the node still runs jobs (false once it stops). */
    boolean running();

    /** This node's id, the owner written on the replays it holds. */
    String node();

    /** How long a lease lasts. */
    Duration lease();

    /** Rows per Silver batch ({@code dash.replay.batch-rows}). */
    int batchRows();

    /** Objects read and mapped at once ({@code dash.replay.objects-in-flight}, at least 1). */
    int objectsInFlight();

    /** Connections writing batches at once ({@code dash.replay.write-connections}, at least 1). */
    int writeConnections();

    /** Settled minutes a refresh round behind a mapping replay waits for ({@code dash.replay.rollup-round-minutes}). */
    int rollupRoundMinutes();

    /** The pace shared by every job on the node. */
    Throttle throttle();

    /**
     * A writer thread's own connection of the pool ({@link PinnedDataSource}), held until the job closes it or a failed
     * write discards it.
     */
    PinnedDataSource pinnedConnection();

    /** Publishes the replay's current row on {@code dash.replays}. */
    void report(UUID replay);

    /** An object is checkpointed: counters, and a report now and then. */
    void progressed(UUID replay, JobStore.ObjectDone done);

    /** A version of the pipeline changed state here: its snapshot goes on {@code dash.control}. */
    void pipelineChanged(UUID pipelineId);

    /** The run of this replay ended on this node (whatever the outcome). */
    void finished(UUID replay);
}
