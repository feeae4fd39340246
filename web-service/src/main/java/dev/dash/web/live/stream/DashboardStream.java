package dev.dash.web.live.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.web.dashboard.Dashboards.Dashboard;
import dev.dash.web.dashboard.Dashboards.DataRequest;
import dev.dash.web.dashboard.Dashboards.Widget;
import dev.dash.web.live.cache.CacheEntry;
import dev.dash.web.live.cache.WidgetQuery;
import dev.dash.web.live.stream.Frames.AnnotationKind;
import dev.dash.web.query.QueryService.Series;
import dev.dash.web.query.QueryService.SeriesResult;
import dev.dash.web.query.SeriesSql;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * The live stream of one dashboard for one range on this node, shared by all its viewers: built once, sent to
 * each (docs/live.md). It numbers its frames, keeps the last ones in a ring buffer for viewers that resume,
 * and keeps one shared snapshot that a joining viewer gets together with the frames since.
 *
 * <p>Deltas come from the hot cache ({@link CacheEntry}): at most once per coalescing interval the widget's
 * buckets that changed there are sent, valued like the data endpoint values them. A widget whose query the cache
 * does not hold (disabled, given up, not read yet) has the buckets its points fall in read again through the data
 * endpoint's own query instead. Either way whole buckets replace the client's, so a delta older than a snapshot
 * can be stale only until the delta of the newer points, which always comes later.
 *
 * <p>Each frame is encoded once, as a whole WebSocket frame ({@link WireFrame}) kept in the ring buffer and written as
 * is to every viewer ({@link Fanout}).
 *
 * <p>Everything is guarded by the stream's monitor; database reads are started outside it.
 */
final class DashboardStream {
    private final LiveStreams owner;
    final String key;
    final String epoch;
    final LiveRange range;
    final Dashboard dashboard;
    private final List<WidgetState> widgets = new ArrayList<>();
    private final Map<UUID, Integer> versions = new HashMap<>();
    private final Set<UUID> versionProbes = new HashSet<>();
    private final Set<Viewer> viewers = new LinkedHashSet<>();
    private final Set<Viewer> waiting = new HashSet<>();
    private final Fanout fanout;
    private final ArrayDeque<Entry> ring = new ArrayDeque<>();
    private long seq;
    private Cached cache;
    private boolean reading;
    private boolean closed;
    private long emptySinceNanos = System.nanoTime();
    private long lastHeartbeatNanos = System.nanoTime();
    /** A tick of this stream alone is scheduled on the timer thread ({@link LiveStreams#accept}). */
    final AtomicBoolean tickDue = new AtomicBoolean();

    private record Entry(long seq, WireFrame frame) {}

    /** A snapshot of every widget, consistent with the stream up to {@code seq}. */
    private record Cached(long seq, List<WireFrame> frames, long readNanos) {}

    /** What the stream knows about one widget. */
    private static final class WidgetState {
        final UUID id;
        final UUID pipelineId;
        final String metric;
        final Map<String, String> labels;
        Duration bucket;
        Instant from;
        Integer version;
        String aggregation;
        // The hot cache entry of the widget's query, and the position in it up to which deltas went out (-1: not
        // switched over to the cache since the last snapshot).
        CacheEntry entry;
        long cursor = -1;
        // A slide of a relative range not sent yet: buckets before it are to be dropped by the client. It goes out in
        // the widget's next delta, or on its own when no delta came within dash.live.slide-wait of it (tick).
        Instant dropPending;
        long dropSinceNanos;
        // The earliest and latest point time seen since the last read of this widget.
        Instant dirtyFrom;
        Instant dirtyTo;
        boolean inFlight;
        // The widget's whole data is to be read again and sent as a stream frame (a cut-over, or a snapshot that
        // could not be read), not before resnapshotAtNanos (System.nanoTime).
        boolean resnapshot;
        long resnapshotAtNanos;
        // When the batches whose points wait for this widget's next delta were read (System.nanoTime), for
        // dash.live.delta.delay; the first few only.
        final long[] pending = new long[16];
        int pendingCount;
        // When the widget's last delta went out, or its last read-back started (System.nanoTime): the next may go
        // one coalescing interval later.
        long lastDeltaNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

        WidgetState(UUID id, UUID pipelineId, String metric, Map<String, String> labels) {
            this.id = id;
            this.pipelineId = pipelineId;
            this.metric = metric;
            this.labels = labels;
        }

        boolean matches(PointsBatch.Point p) {
            if (!metric.equals(p.metric())) {
                return false;
            }
            for (Map.Entry<String, String> l : labels.entrySet()) {
                if (p.labels() == null || !l.getValue().equals(p.labels().get(l.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        void pending(long readNanos) {
            if (pendingCount < pending.length && (pendingCount == 0 || pending[pendingCount - 1] != readNanos)) {
                pending[pendingCount++] = readNanos;
            }
        }

        /**
         * The widget's delta carrying its waiting points is handed to the fan-out now: answers when their batches
         * were read, and forgets them.
         */
        long[] sent(LiveTimings timings) {
            long[] out = java.util.Arrays.copyOf(pending, pendingCount);
            for (long read : out) {
                LiveTimings.since(timings.deltaDelay, read);
            }
            pendingCount = 0;
            return out;
        }

        void mark(Instant t) {
            if (dirtyFrom == null || t.isBefore(dirtyFrom)) {
                dirtyFrom = t;
            }
            if (dirtyTo == null || t.isAfter(dirtyTo)) {
                dirtyTo = t;
            }
        }
    }

    DashboardStream(LiveStreams owner, String key, LiveRange range, Dashboard dashboard) {
        this.owner = owner;
        this.key = key;
        this.range = range;
        this.dashboard = dashboard;
        this.fanout = new Fanout(this, owner.timings);
        this.epoch = Long.toString(System.currentTimeMillis(), 36) + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
        for (Widget w : dashboard.widgets()) {
            JsonNode q = w.dataQuery();
            if (q == null || !q.hasNonNull("pipeline_id") || !q.path("metric").isTextual()) {
                continue;
            }
            UUID pipeline;
            try {
                pipeline = UUID.fromString(q.path("pipeline_id").asText());
            } catch (IllegalArgumentException e) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            q.path("labels")
                    .fields()
                    .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            widgets.add(new WidgetState(w.id(), pipeline, q.path("metric").asText(), labels));
        }
    }

    /**
     * What the stream was built from: each widget's id, type and data query, in id order. A stream whose
     * dashboard's widgets no longer give the same key is replaced ({@link LiveStreams}).
     */
    static String widgetKey(List<Widget> widgets) {
        StringBuilder key = new StringBuilder();
        widgets.stream()
                .sorted(java.util.Comparator.comparing(Widget::id))
                .forEach(w -> key.append(w.id())
                        .append('|')
                        .append(w.type())
                        .append('|')
                        .append(w.dataQuery())
                        .append('\n'));
        return key.toString();
    }

    String widgetKey() {
        return widgetKey(dashboard.widgets());
    }

    /** The pipelines the widgets read. */
    Set<UUID> pipelines() {
        Set<UUID> out = new HashSet<>();
        widgets.forEach(w -> out.add(w.pipelineId));
        return out;
    }

    synchronized int viewers() {
        return viewers.size();
    }

    synchronized long seq() {
        return seq;
    }

    // ---- viewers ----

    /**
     * Adds a viewer: it gets the frames it missed when it resumes with this epoch and a sequence number the
     * ring buffer still holds the successor of; otherwise the shared snapshot and the frames since. False when the
     * stream was closed meanwhile (dropped as idle, replaced, its dashboard deleted): the viewer is not added, as
     * a closed stream is no longer ticked and would send it nothing after its snapshot.
     */
    boolean join(Viewer viewer, String resumeEpoch, Long resumeSeq) {
        boolean read = false;
        synchronized (this) {
            if (closed) {
                return false;
            }
            viewers.add(viewer);
            if (epoch.equals(resumeEpoch) && resumeSeq != null && resumeSeq <= seq && covers(resumeSeq)) {
                fanout.start(viewer, framesAfter(resumeSeq, List.of()));
                return true;
            }
            if (cacheUsable()) {
                fanout.start(viewer, framesAfter(cache.seq, cache.frames));
                return true;
            }
            waiting.add(viewer);
            if (!reading) {
                reading = true;
                read = true;
            }
        }
        if (read) {
            readSnapshot();
        }
        return true;
    }

    synchronized void leave(Viewer viewer) {
        viewers.remove(viewer);
        waiting.remove(viewer);
        fanout.remove(viewer);
        if (viewers.isEmpty()) {
            emptySinceNanos = System.nanoTime();
        }
    }

    /**
     * Closes the stream when it has had no viewer for longer than {@code linger}; true when it did. One step under
     * the monitor, so no viewer joins between the check and the close ({@link #join} answers false after it).
     */
    synchronized boolean closeIfIdle(Duration linger) {
        if (closed || !viewers.isEmpty() || System.nanoTime() - emptySinceNanos <= linger.toNanos()) {
            return false;
        }
        close();
        return true;
    }

    synchronized List<Viewer> viewerList() {
        return List.copyOf(viewers);
    }

    private boolean covers(long after) {
        return after == seq || (!ring.isEmpty() && ring.peekFirst().seq <= after + 1);
    }

    private boolean cacheUsable() {
        return cache != null
                && System.nanoTime() - cache.readNanos
                        < owner.config.snapshotReuse().toNanos()
                && covers(cache.seq);
    }

    private List<WireFrame> framesAfter(long after, List<WireFrame> head) {
        List<WireFrame> out = new ArrayList<>(head);
        for (Entry e : ring) {
            if (e.seq > after) {
                out.add(e.frame);
            }
        }
        return out;
    }

    // ---- snapshots ----

    /** One widget's part of a snapshot: its data, or why there is none. */
    private record Read(SeriesResult result, Throwable failure) {}

    private void readSnapshot() {
        long at;
        synchronized (this) {
            at = seq;
        }
        Instant now = Instant.now();
        DataRequest request = new DataRequest(range.fromAt(now), range.toAt(now), null);
        List<Uni<Read>> reads = new ArrayList<>();
        for (WidgetState w : widgets) {
            reads.add(snapshotOf(w, request));
        }
        Uni<List<Read>> all = reads.isEmpty()
                ? Uni.createFrom().item(List.of())
                : Uni.join().all(reads).andCollectFailures();
        all.subscribe().with(results -> snapshotRead(at, results), e -> {
            // Not expected (each read recovers); the waiting viewers get an error frame per widget, not silence.
            List<Read> failed = new ArrayList<>();
            widgets.forEach(w -> failed.add(new Read(null, e)));
            snapshotRead(at, failed);
        });
    }

    /**
     * A widget's data for a snapshot, tried again after a failure that may pass ({@link #mayPass}) up to {@code
     * dash.live.snapshot-retries} times with a growing wait; the viewers waiting for the snapshot keep waiting.
     */
    private Uni<Read> snapshotOf(WidgetState w, DataRequest request) {
        int retries = owner.config.snapshotRetries();
        AtomicInteger tries = new AtomicInteger();
        Uni<SeriesResult> read = owner.retried(owner.dashboards
                .widgetData(dashboard, w.id, request)
                .onFailure(DashboardStream::mayPass)
                .invoke(e -> {
                    int n = tries.incrementAndGet();
                    if (n <= retries) {
                        Log.infof(
                                "Live snapshot of widget %s of stream %s failed (try %d of %d), trying again: %s",
                                w.id, key, n, retries + 1, e.toString());
                    }
                }));
        return read.map(r -> new Read(r, null)).onFailure().recoverWithItem(e -> new Read(null, e));
    }

    /**
     * Whether a failed widget read may succeed when tried again: anything but the data endpoint's refusal of the
     * widget's query ({@link ApiException}: no such pipeline any more, a query it does not take), which another
     * try would only repeat. Mutiny's retry wraps nothing, so the failure is the read's own.
     */
    static boolean mayPass(Throwable e) {
        return !(e instanceof ApiException);
    }

    private void snapshotRead(long at, List<Read> results) {
        synchronized (this) {
            if (!closed && !covers(at)) {
                // The ring buffer rolled past the snapshot's position while it was read (more than ring-buffer
                // frames during the read): its viewers would miss the frames in between. They keep waiting, and the
                // stream reads a snapshot at its current position.
                Log.infof(
                        "Live snapshot of stream %s at %d outlived the ring buffer (now at %d); reading again",
                        key, at, seq);
            } else {
                deliverSnapshot(at, results);
                return;
            }
        }
        readSnapshot();
    }

    /** Hands a snapshot read at {@code at} to the waiting viewers, with the frames since; under the monitor. */
    private void deliverSnapshot(long at, List<Read> results) {
        List<WireFrame> frames = new ArrayList<>();
        boolean complete = true;
        for (int i = 0; i < results.size(); i++) {
            Read r = results.get(i);
            WidgetState w = widgets.get(i);
            if (r.result() != null) {
                adopt(w, r.result());
                frames.add(owner.encode(new Frames.Snapshot(epoch, at, w.id, r.result())));
                continue;
            }
            if (!mayPass(r.failure())) {
                // The data endpoint refuses the widget's query: it would answer its own viewers the same.
                Log.infof(
                        "Live snapshot of widget %s of stream %s skipped: %s",
                        w.id, key, r.failure().toString());
                continue;
            }
            // Every try failed: the waiting viewers are told, in the widget's place, and the stream goes on
            // reading the widget; its snapshot then goes to every viewer as a stream frame (tick).
            complete = false;
            Log.warnf(
                    "Live snapshot of widget %s of stream %s not read after %d tries: %s; its viewers get an error"
                            + " frame for it, and its snapshot once a read succeeds",
                    w.id, key, owner.config.snapshotRetries() + 1, r.failure().toString());
            frames.add(owner.encode(new Frames.WidgetError(epoch, at, w.id)));
            if (!w.resnapshot) {
                w.resnapshot = true;
                w.resnapshotAtNanos = System.nanoTime() + retryWaitNanos();
            }
        }
        // A snapshot with a widget missing is never handed to later viewers: the next one reads again.
        cache = complete ? new Cached(at, List.copyOf(frames), System.nanoTime()) : null;
        reading = false;
        for (Viewer v : waiting) {
            fanout.start(v, framesAfter(at, frames));
        }
        waiting.clear();
    }

    /** How long a stream waits before it reads again a widget whose whole read failed. */
    private long retryWaitNanos() {
        return owner.config.snapshotRetryBackoff().multipliedBy(16).toNanos();
    }

    private void adopt(WidgetState w, SeriesResult r) {
        Duration bucket = Duration.ofSeconds(r.bucketSeconds());
        if (w.entry != null && !bucket.equals(w.bucket)) {
            owner.cache.detach(w.entry, w);
            w.entry = null;
        }
        w.bucket = bucket;
        w.from = r.from();
        w.version = r.mappingVersion();
        w.aggregation = r.aggregation();
        if (r.mappingVersion() != null) {
            versions.putIfAbsent(w.pipelineId, r.mappingVersion());
        }
        if (closed) {
            return;
        }
        if (w.entry == null) {
            w.entry =
                    owner.cache.attach(new WidgetQuery(w.pipelineId, w.metric, w.labels, r.bucketSeconds()), w.from, w);
        } else {
            owner.cache.need(w.entry, w, w.from);
        }
        // After a snapshot the widget switches over to the cache afresh (see fromCache).
        w.cursor = -1;
    }

    /** The stream is gone: its widgets no longer need their cache entries. */
    synchronized void close() {
        closed = true;
        for (WidgetState w : widgets) {
            if (w.entry != null) {
                owner.cache.detach(w.entry, w);
                w.entry = null;
            }
        }
    }

    // ---- points and ticks ----

    /**
     * Marks the buckets of the widgets the batch's points fall in; cheap, on the points reader's thread.
     * {@code readNanos}: when the batch was read (System.nanoTime).
     */
    synchronized boolean touch(PointsBatch batch, long readNanos) {
        boolean any = false;
        for (WidgetState w : widgets) {
            if (!w.pipelineId.equals(batch.pipelineId())) {
                continue;
            }
            for (PointsBatch.Point p : batch.points()) {
                // Points of any version mark: one of another version tells that a cut-over may have happened,
                // and the read finds out (during a dual write it only reads the same buckets once more).
                if (w.matches(p)) {
                    w.mark(p.time());
                    w.pending(readNanos);
                    any = true;
                }
            }
        }
        return any;
    }

    /**
     * One tick, on the timer thread: slides a relative range, sends heartbeats, and sends the delta of each changed
     * widget (or starts its read-back). It runs every {@code dash.live.coalesce}, and as soon as points for the
     * stream are in the hot cache ({@link LiveStreams#accept}), so a point does not wait for the next regular tick
     * (leading edge). A widget whose last delta is younger than the coalescing interval waits; the answer is then
     * the time until the first such widget may send (nanoseconds), for a tick right then; {@link Long#MAX_VALUE}
     * when none waits. So a widget sends at most one delta per interval, and a point waits at most one interval.
     */
    long tick(Instant now) {
        List<Runnable> reads = new ArrayList<>();
        long nowNanos = System.nanoTime();
        long coalesce = owner.config.coalesce().toNanos();
        long slideWait = Math.max(coalesce, owner.config.slideWait().toNanos());
        long wake = Long.MAX_VALUE;
        synchronized (this) {
            if (cache == null && reading) {
                return wake;
            }
            if (System.nanoTime() - lastHeartbeatNanos
                    >= owner.config.heartbeat().toNanos()) {
                lastHeartbeatNanos = System.nanoTime();
                publish(s -> new Frames.Heartbeat(epoch, s, now));
            }
            for (UUID p : versionProbes) {
                reads.add(() -> probeVersion(p));
            }
            versionProbes.clear();
            for (WidgetState w : widgets) {
                if (w.inFlight) {
                    continue;
                }
                if (w.resnapshot) {
                    // Also a widget whose snapshot could not be read (no bucket yet). The snapshot replaces the
                    // widget's buckets, from the range's start as of now.
                    if (nowNanos - w.resnapshotAtNanos < 0) {
                        continue;
                    }
                    w.resnapshot = false;
                    w.dropPending = null;
                    w.pendingCount = 0;
                    w.dirtyFrom = null;
                    w.dirtyTo = null;
                    w.inFlight = true;
                    DataRequest all = new DataRequest(range.fromAt(now), range.toAt(now), null);
                    reads.add(() -> read(w, all, true));
                    continue;
                }
                if (w.bucket == null) {
                    continue;
                }
                if (range.relative()) {
                    Instant from = SeriesSql.floor(now.minus(range.last()), w.bucket);
                    if (from.isAfter(w.from)) {
                        w.from = from;
                        if (w.dropPending == null) {
                            w.dropSinceNanos = nowNanos;
                        }
                        w.dropPending = from;
                        if (w.entry != null) {
                            owner.cache.need(w.entry, w, from);
                        }
                    }
                }
                Instant end = range.relative() ? SeriesSql.ceil(now, w.bucket) : range.to();
                long since = nowNanos - w.lastDeltaNanos;
                if (since < coalesce) {
                    // A slide waits for the widget's next delta (at most dash.live.slide-wait).
                    if (w.dirtyFrom != null || w.dropPending != null) {
                        wake = Math.min(wake, coalesce - since);
                    }
                    continue;
                }
                if (fromCache(w, end, nowNanos)) {
                    // A slide no delta carried (nothing changed in the widget yet) waits for the next delta up to
                    // dash.live.slide-wait after it, then goes out on its own.
                    if (w.dropPending != null) {
                        long left = w.dropSinceNanos + slideWait - nowNanos;
                        if (left <= 0) {
                            dropAlone(w);
                        } else {
                            wake = Math.min(wake, left);
                        }
                    }
                    continue;
                }
                // Read back from Silver (or nothing to send): the slide goes first, on its own; a read-back's buckets
                // all start at or after it, and no slide happens while the read runs (the widget is in flight).
                dropAlone(w);
                if (w.dirtyFrom == null) {
                    continue;
                }
                Instant from = max(SeriesSql.floor(w.dirtyFrom, w.bucket), w.from);
                Instant to = min(SeriesSql.floor(w.dirtyTo, w.bucket).plus(w.bucket), end);
                w.dirtyFrom = null;
                w.dirtyTo = null;
                if (!from.isBefore(to)) {
                    continue;
                }
                w.inFlight = true;
                w.lastDeltaNanos = nowNanos;
                DataRequest changed = new DataRequest(from, to, w.bucket.toString());
                reads.add(() -> read(w, changed, false));
            }
        }
        reads.forEach(Runnable::run);
        return wake;
    }

    /**
     * Sends the widget's buckets that changed in the hot cache since its last delta; false when the cache does not
     * answer for the widget (then its marked buckets are read from Silver). Under the monitor.
     */
    private boolean fromCache(WidgetState w, Instant end, long nowNanos) {
        CacheEntry e = w.entry;
        if (e == null) {
            return false;
        }
        Integer version;
        List<Series> changed = null;
        Integer known = versions.get(w.pipelineId);
        synchronized (e) {
            if (!e.usable()) {
                return false;
            }
            version = e.version();
            if (version == null || version.equals(known)) {
                if (w.cursor < 0) {
                    // Switching over: the buckets marked until now are read from Silver this once (points are
                    // marked before they go into the cache), everything after comes from the cache.
                    w.cursor = e.cursor();
                    return false;
                }
                changed = e.changes(w.cursor, w.from, SeriesSql.ceil(end, w.bucket), w.aggregation);
                w.cursor = e.cursor();
            }
        }
        if (changed == null) {
            if (known == null || version > known) {
                switchVersion(w.pipelineId, version);
                return true;
            }
            return false; // the cache still has the version before a cut-over this stream already saw
        }
        w.dirtyFrom = null;
        w.dirtyTo = null;
        if (!changed.isEmpty()) {
            List<Series> series = changed;
            Instant drop = w.dropPending;
            w.dropPending = null;
            w.lastDeltaNanos = nowNanos;
            publish(s -> new Frames.Delta(epoch, s, w.id, version, drop, series), w.sent(owner.timings));
        } else {
            w.pendingCount = 0; // points that changed nothing the widget shows have no frame to time
        }
        return true;
    }

    /** Sends the widget's pending slide as a frame of its own; under the monitor. */
    private void dropAlone(WidgetState w) {
        Instant t = w.dropPending;
        if (t != null) {
            w.dropPending = null;
            publish(s -> new Frames.DropBefore(epoch, s, w.id, t));
        }
    }

    private void read(WidgetState w, DataRequest request, boolean whole) {
        if (!whole) {
            owner.readBacks.incrementAndGet();
        }
        owner.dashboards.widgetData(dashboard, w.id, request).subscribe().with(r -> widgetRead(w, r, whole), e -> {
            Log.debugf("Live read of widget %s failed: %s", w.id, e.toString());
            synchronized (this) {
                w.inFlight = false;
                if (whole && mayPass(e)) {
                    // A widget's whole data is never given up for a failure that may pass: its viewers would keep a
                    // stale or empty widget. Tried again a while later.
                    w.resnapshot = true;
                    w.resnapshotAtNanos = System.nanoTime() + retryWaitNanos();
                }
            }
        });
    }

    private synchronized void widgetRead(WidgetState w, SeriesResult r, boolean whole) {
        w.inFlight = false;
        if (whole) {
            adopt(w, r);
            w.version = r.mappingVersion();
            publish(s -> new Frames.Snapshot(epoch, s, w.id, r));
            return;
        }
        Integer known = versions.get(w.pipelineId);
        if (r.mappingVersion() != null && !r.mappingVersion().equals(known)) {
            switchVersion(w.pipelineId, r.mappingVersion());
            return;
        }
        if (!r.series().isEmpty()) {
            publish(s -> new Frames.Delta(epoch, s, w.id, r.mappingVersion(), null, r.series()), w.sent(owner.timings));
        } else {
            w.pendingCount = 0;
        }
    }

    /**
     * Reads the pipeline's active version after a replay over it succeeded. A read that fails is tried again, waiting
     * {@code dash.live.snapshot-retry-backoff} doubling up to 16 times it, until it answers or the stream closes.
     * Before, a failed read was dropped: the stream stayed on the old version until the node's periodic check
     * ({@link #activeVersionIs}) saw the new one; a stream that had read no version (the pipeline had none active
     * when it opened), which that check does not switch, until the hot cache's refresh (60 s), or for good with the
     * cache off and no traffic.
     */
    private void probeVersion(UUID pipelineId) {
        Duration backoff = owner.config.snapshotRetryBackoff();
        owner.activeVersion(pipelineId)
                .onFailure(e -> !isClosed())
                .invoke(e -> Log.infof(
                        "Live stream %s: active version of pipeline %s not read, trying again: %s",
                        key, pipelineId, e.toString()))
                .onFailure(e -> !isClosed())
                .retry()
                .withBackOff(backoff, backoff.multipliedBy(16))
                .indefinitely()
                .subscribe()
                .with(
                        v -> versionSeen(pipelineId, v),
                        e -> Log.debugf(
                                "Live stream %s closed before the active version of pipeline %s was read: %s",
                                key, pipelineId, e.toString()));
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private synchronized void versionSeen(UUID pipelineId, Integer active) {
        if (active != null && !active.equals(versions.get(pipelineId))) {
            switchVersion(pipelineId, active);
        }
    }

    /**
     * The pipeline's active version as the node's periodic check read it ({@link LiveStreams}): a cut-over whose
     * {@code dash.replays} message this node did not get, over a pipeline without traffic, reaches the widgets
     * within {@code dash.live.access-check}. Only a newer version than the stream shows switches: the check's read
     * may be older than a cut-over the stream already took from a replay message or a read.
     */
    synchronized void activeVersionIs(UUID pipelineId, int active) {
        Integer known = versions.get(pipelineId);
        if (!closed && known != null && active > known) {
            switchVersion(pipelineId, active);
        }
    }

    /** A cut-over: the annotation first, then a fresh snapshot of every widget over the pipeline. */
    private void switchVersion(UUID pipelineId, int version) {
        versions.put(pipelineId, version);
        owner.cache.versionIs(pipelineId, version);
        Instant now = Instant.now();
        publish(s -> new Frames.Annotation(
                epoch,
                s,
                pipelineId,
                now,
                AnnotationKind.mapping_activated,
                "mapping version " + version + " activated",
                version));
        cache = null;
        for (WidgetState w : widgets) {
            if (w.pipelineId.equals(pipelineId)) {
                w.resnapshot = true;
                w.resnapshotAtNanos = System.nanoTime();
            }
        }
    }

    /** Sends an annotation to the viewers of widgets over the pipeline. */
    synchronized void annotate(UUID pipelineId, AnnotationKind kind, String text, Integer version) {
        if (!pipelines().contains(pipelineId)) {
            return;
        }
        Instant now = Instant.now();
        publish(s -> new Frames.Annotation(epoch, s, pipelineId, now, kind, text, version));
        if (kind == AnnotationKind.replay_succeeded) {
            versionProbes.add(pipelineId);
        }
    }

    /**
     * Numbers a frame, encodes it once, keeps it in the ring buffer and hands the same bytes to every viewer that
     * has its snapshot; under the monitor.
     */
    private void publish(LongFunction<Frames.Frame> frame) {
        publish(frame, NO_READS);
    }

    private static final long[] NO_READS = new long[0];

    /** {@code reads}: when the batches whose points the frame carries were read (dash.live.read.to.written). */
    private void publish(LongFunction<Frames.Frame> frame, long[] reads) {
        long s = ++seq;
        WireFrame bytes = owner.encode(frame.apply(s));
        ring.addLast(new Entry(s, bytes));
        while (ring.size() > owner.config.ringBuffer()) {
            ring.removeFirst();
        }
        // Viewers waiting for the snapshot are not in the fan-out yet: they get this frame from the ring buffer.
        fanout.send(bytes, reads);
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
