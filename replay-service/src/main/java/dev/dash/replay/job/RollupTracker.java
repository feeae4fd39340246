package dev.dash.replay.job;

import io.quarkus.logging.Log;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Refreshes the rollups of what a replay has written while it writes on (docs/replay.md, step 4), so that the
 * refresh left before the cut-over covers only the last minutes written instead of the whole replayed range.
 *
 * <p>The job registers each object once it is checkpointed (every row of it committed) with its points' time
 * range; the minutes (and hours) it touched become dirty. A round, on one thread of its own and one at a time,
 * takes the dirty minutes that are <em>settled</em> (before the earliest point of the last objects registered, the
 * replay being past them in the common case of a history in time order), once there are at least a given number of
 * them (a round costs more than its rows), and refreshes them for the replayed
 * pipeline's target version ({@code SilverRollups.refreshMinutes}), then the hours that are settled (every minute
 * of them refreshed), each once ({@code SilverRollups.refreshHours}: on plain PostgreSQL the hour rebuilt from its
 * minute buckets, plain/V146; on TimescaleDB {@code metrics_1h}). An object registered later that touches a
 * refreshed minute makes it and its hour dirty again: a round takes its minutes before it starts, and every object
 * it could have missed was committed after that and registered after that, so nothing written is ever left out,
 * only refreshed twice at worst. {@link #finish} waits for the round in flight and refreshes every minute and hour
 * still dirty.
 *
 * <p>A job whose batches merge their minute buckets themselves ({@code mergesMinutes}: a mapping replay on plain
 * PostgreSQL, docs/replay.md step 4) registers an object's hours only; the minutes of a batch that could not merge
 * come through {@link #dirty}. A refresh of minutes then holds {@link #merging()}'s lock exclusive, so it never
 * rebuilds a minute while a merge into it may commit.
 *
 * <p>Rounds serialise the refreshes of this pipeline (the plain variant rebuilds an hour from its minute buckets,
 * so that must not race a rebuild of those minutes). The state lives in memory: a job resumed after a crash does
 * not have it and refreshes the whole range before its cut-over, as before.
 */
final class RollupTracker implements AutoCloseable {
    /** Objects whose earliest point bounds what is settled: those in flight behind the last one, and a margin. */
    private final int recent;
    /**
     * Settled dirty minutes a round waits for (the last refresh takes whatever is left): each round pays a fixed cost
     * besides its rows (planning the refresh's statements), which rounds of a minute or two made a large part of the
     * replay's backend CPU.
     */
    private final long minRound;

    /** The refreshes, by epoch minutes or hours, [from, to); they throw what the job's database calls throw. */
    interface Refresh {
        void minutes(Instant from, Instant to);

        void hours(Instant from, Instant to);
    }

    private final Refresh refresh;
    private final UUID pipelineId;

    private final ExecutorService rounds;
    /** Dirty epoch minutes and epoch hours, as disjoint intervals start → end (exclusive). */
    private final TreeMap<Long, Long> minutes = new TreeMap<>();

    private final TreeMap<Long, Long> hours = new TreeMap<>();
    private final Deque<Long> recentStarts = new ArrayDeque<>();
    private Future<?> round;
    private int roundsRun;
    private long minutesRefreshed;

    /**
     * Whether the job's batches merge their minute buckets themselves (plain PostgreSQL, a mapping replay): then an
     * object's minutes are not dirty (only its hours are), only those of batches that could not merge ({@link #dirty}).
     */
    private final boolean mergesMinutes;

    /**
     * Held shared by a batch merging its minute buckets, for as long as its transaction may be open, and exclusive by a
     * refresh of minutes: a refresh deletes a minute's buckets and rebuilds them from the rows it sees, so a merge
     * committing meanwhile could be lost or clash with it. Fair, so a refresh does not wait behind merge after merge.
     */
    private final ReadWriteLock merges = new ReentrantReadWriteLock(true);

    RollupTracker(Refresh refresh, UUID pipelineId, int objectsInFlight, int minRoundMinutes) {
        this(refresh, pipelineId, objectsInFlight, minRoundMinutes, false);
    }

    RollupTracker(Refresh refresh, UUID pipelineId, int objectsInFlight, int minRoundMinutes, boolean mergesMinutes) {
        this.refresh = refresh;
        this.mergesMinutes = mergesMinutes;
        this.minRound = Math.max(1, minRoundMinutes);
        this.pipelineId = pipelineId;
        this.recent = 2 * objectsInFlight + 2;
        this.rounds = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dash-replay-rollups");
            t.setDaemon(true);
            return t;
        });
    }

    /** An object checkpointed (every row committed) whose points lie in [min, max]; nulls: it wrote no point. */
    void written(Instant min, Instant max) {
        if (min == null || max == null) {
            return;
        }
        long m0 = firstMinute(min);
        long m1 = endMinute(max);
        synchronized (this) {
            if (!mergesMinutes) {
                add(minutes, m0, m1);
            }
            add(hours, Math.floorDiv(m0, 60), Math.floorDiv(m1 - 1, 60) + 1);
            recentStarts.addLast(m0);
            if (recentStarts.size() > recent) {
                recentStarts.removeFirst();
            }
        }
        startRound();
    }

    /**
     * A batch committed without merging its minute buckets (some of its rows were there already), its points in
     * [min, max]: those minutes are refreshed from the rows. Its hours are dirty through its object's {@link #written}.
     */
    void dirty(Instant min, Instant max) {
        synchronized (this) {
            add(minutes, firstMinute(min), endMinute(max));
        }
    }

    /** The epoch minute of a point time. */
    private static long firstMinute(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), 60);
    }

    /** The epoch minute after the one of a point time: the exclusive end of an interval of minutes. */
    private static long endMinute(Instant t) {
        return firstMinute(t) + 1;
    }

    /** The lock a batch holds (shared) while it writes and merges its minute buckets. */
    Lock merging() {
        return merges.readLock();
    }

    /** Starts a round over the settled dirty minutes unless one is running (the next registration tries again). */
    private synchronized void startRound() {
        if (round != null && !round.isDone()) {
            return;
        }
        if (recentStarts.size() < recent) {
            return;
        }
        // Settled: before the earliest point of the last objects, less a minute for points out of order.
        long settled = recentStarts.stream().mapToLong(Long::longValue).min().orElseThrow() - 1;
        // Merging its minutes, the job has few or none to refresh: a settled hour is reason enough for a round.
        if (count(minutes, settled) < minRound && !(mergesMinutes && count(hours, Math.floorDiv(settled, 60)) > 0)) {
            return;
        }
        List<long[]> m = take(minutes, settled);
        List<long[]> h = take(hours, Math.floorDiv(settled, 60));
        if (m.isEmpty() && h.isEmpty()) {
            return;
        }
        round = rounds.submit(() -> {
            try {
                run(m, h);
            } catch (RuntimeException e) {
                // Left dirty: the next round or the refresh before the cut-over does it (and fails the job if it
                // cannot).
                Log.warnf("Replay of pipeline %s: a rollup refresh while writing failed: %s", pipelineId, e);
                synchronized (this) {
                    m.forEach(i -> add(minutes, i[0], i[1]));
                    h.forEach(i -> add(hours, i[0], i[1]));
                }
            }
        });
    }

    /**
     * Waits for the round in flight, then refreshes every minute and hour still dirty, on this thread; throws what
     * the job's database calls throw.
     */
    void finish() {
        finish(1);
    }

    /**
     * Refreshes every minute and hour still dirty, the minutes in up to {@code parallel} parts at once (this thread
     * and threads of their own, one connection each) while the round in flight ends, then, once every minute is
     * done, the hours (an hour is rebuilt from its minute buckets); throws what the job's database calls throw. The
     * writers are done by then, so the cut-over's refresh can use their connections and cores (docs/replay.md,
     * step 4).
     */
    void finish(int parallel) {
        long t0 = System.nanoTime();
        List<long[]> m;
        Future<?> last;
        synchronized (this) {
            last = round;
            m = take(minutes, Long.MAX_VALUE);
        }
        List<List<long[]>> parts = split(m, parallel);
        ExecutorService pool = parts.size() > 1
                ? Executors.newFixedThreadPool(parts.size() - 1, r -> {
                    Thread t = new Thread(r, "dash-replay-rollups-end");
                    t.setDaemon(true);
                    return t;
                })
                : null;
        long n = 0;
        try {
            List<Future<?>> others = new ArrayList<>();
            for (List<long[]> part : parts.subList(Math.min(1, parts.size()), parts.size())) {
                others.add(pool.submit(() -> minutes(part)));
            }
            RuntimeException failure = null;
            try {
                if (!parts.isEmpty()) {
                    n += minutes(parts.get(0));
                }
            } catch (RuntimeException e) {
                failure = e;
            }
            // Every part ends before a failure is thrown: no refresh of this job runs on after it.
            for (Future<?> f : others) {
                try {
                    n += (Long) f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new JobStop("interrupted");
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r
                                ? r
                                : new IllegalStateException(e.getCause());
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            if (pool != null) {
                pool.shutdown();
            }
        }
        long t1 = System.nanoTime();
        if (last != null) {
            try {
                last.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobStop("interrupted");
            } catch (ExecutionException e) {
                // a round catches its failures; nothing else can end it
            }
        }
        long t2 = System.nanoTime();
        List<long[]> h;
        synchronized (this) {
            // A round that failed left its minutes dirty again: refreshed here, before the hours.
            m = take(minutes, Long.MAX_VALUE);
            h = take(hours, Long.MAX_VALUE);
        }
        run(m, h);
        synchronized (this) {
            minutesRefreshed += n;
        }
        Log.infof(
                "Replay of pipeline %s: rollups refreshed in %d rounds (the last before the cut-over), %d minutes in all;"
                        + " the last: %d intervals of minutes in %d parts %d ms, the round in flight %d ms more,"
                        + " %d intervals of hours %d ms",
                pipelineId,
                roundsRun,
                minutesRefreshed,
                parts.stream().mapToInt(List::size).sum(),
                parts.size(),
                (t1 - t0) / 1_000_000,
                (t2 - t1) / 1_000_000,
                h.size(),
                (System.nanoTime() - t2) / 1_000_000);
    }

    /**
     * Refreshes the minutes of the intervals, in order; how many. Called by a round under the merges' lock, and by
     * {@link #finish} without it: the writers are done by then.
     */
    private long minutes(List<long[]> intervals) {
        long n = 0;
        for (long[] i : intervals) {
            refresh.minutes(Instant.ofEpochSecond(i[0] * 60), Instant.ofEpochSecond(i[1] * 60));
            n += i[1] - i[0];
        }
        return n;
    }

    /** The intervals cut into up to {@code parts} runs of about as many minutes each, in order. */
    static List<List<long[]>> split(List<long[]> intervals, int parts) {
        long total = 0;
        for (long[] i : intervals) {
            total += i[1] - i[0];
        }
        List<List<long[]>> out = new ArrayList<>();
        if (total == 0) {
            return out;
        }
        long each = (total + Math.max(1, parts) - 1) / Math.max(1, parts);
        List<long[]> part = new ArrayList<>();
        long inPart = 0;
        for (long[] i : intervals) {
            long a = i[0];
            while (a < i[1]) {
                long b = Math.min(i[1], a + (each - inPart));
                part.add(new long[] {a, b});
                inPart += b - a;
                a = b;
                if (inPart == each) {
                    out.add(part);
                    part = new ArrayList<>();
                    inPart = 0;
                }
            }
        }
        if (!part.isEmpty()) {
            out.add(part);
        }
        return out;
    }

    private void run(List<long[]> m, List<long[]> h) {
        long n = 0;
        // No merge in flight while minutes are rebuilt from the rows (see merges); hours read only minute buckets,
        // and an hour a later merge touches is dirty again once that merge's object is registered. A round of hours
        // alone (the common one when the batches merge) takes no lock: the fair lock would hold every batch behind it.
        if (!m.isEmpty()) {
            Lock exclusive = merges.writeLock();
            exclusive.lock();
            try {
                n = minutes(m);
            } finally {
                exclusive.unlock();
            }
        }
        for (long[] i : h) {
            Instant from = Instant.ofEpochSecond(i[0] * 3600);
            Instant to = Instant.ofEpochSecond(i[1] * 3600);
            refresh.hours(from, to);
        }
        synchronized (this) {
            roundsRun++;
            minutesRefreshed += n;
        }
    }

    /** Adds [start, end) to disjoint intervals, merging what it overlaps or touches. */
    static void add(TreeMap<Long, Long> set, long start, long end) {
        Map.Entry<Long, Long> before = set.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
        }
        Map.Entry<Long, Long> next;
        while ((next = set.ceilingEntry(start)) != null && next.getKey() <= end) {
            end = Math.max(end, next.getValue());
            set.remove(next.getKey());
        }
        set.put(start, end);
    }

    /** How many of the intervals' points lie before {@code limit} (exclusive). */
    static long count(TreeMap<Long, Long> set, long limit) {
        long n = 0;
        for (Map.Entry<Long, Long> e : set.headMap(limit, false).entrySet()) {
            n += Math.min(e.getValue(), limit) - e.getKey();
        }
        return n;
    }

    /** Removes and returns the parts of the intervals before {@code limit} (exclusive). */
    static List<long[]> take(TreeMap<Long, Long> set, long limit) {
        List<long[]> out = new ArrayList<>();
        while (!set.isEmpty() && set.firstKey() < limit) {
            Map.Entry<Long, Long> e = set.pollFirstEntry();
            if (e.getValue() <= limit) {
                out.add(new long[] {e.getKey(), e.getValue()});
            } else {
                out.add(new long[] {e.getKey(), limit});
                set.put(limit, e.getValue());
            }
        }
        return out;
    }

    /** A refresh of minutes waits for the merges in flight (for tests). */
    boolean refreshWaiting() {
        return ((ReentrantReadWriteLock) merges).hasQueuedThreads();
    }

    /** No round runs. */
    synchronized boolean idle() {
        return round == null || round.isDone();
    }

    /** Rounds run so far, and the minutes they refreshed (for the log and tests). */
    synchronized long[] stats() {
        return new long[] {roundsRun, minutesRefreshed};
    }

    /** Stops the rounds; a round running ends on its own (each refresh is one statement). */
    @Override
    public void close() {
        rounds.shutdown();
    }
}
