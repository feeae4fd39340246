package dev.dash.web.live.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.web.dashboard.Dashboards.Dashboard;
import dev.dash.web.dashboard.Dashboards.DataRequest;
import dev.dash.web.dashboard.Dashboards.Widget;
import dev.dash.web.live.stream.Frames.AnnotationKind;
import dev.dash.web.query.QueryService.SeriesResult;
import dev.dash.web.query.SeriesSql;
import dev.dash.web.websocket.Outbox;
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
import java.util.function.LongFunction;

/**
 * The live stream of one dashboard for one range on this node, shared by all its viewers: built once, sent to
 * each (docs/live.md). It numbers its frames, keeps the last ones in a ring buffer for viewers that resume,
 * and keeps one shared snapshot that a joining viewer gets together with the frames since.
 *
 * <p>Deltas are computed from the database, not from the points themselves: a point marks the buckets it
 * falls in, and at most once per coalescing interval the widget's marked buckets are read again through the
 * data endpoint's own query. Points reach {@code dash.points} only after Silver committed them, so that read
 * sees them; whole buckets replace the client's, so a delta read earlier than a snapshot can be stale only
 * until the delta of the newer points, which always reads later. A frame therefore equals the data endpoint's
 * answer for its buckets, with the same version, buckets and aggregation.
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
    private final ArrayDeque<Entry> ring = new ArrayDeque<>();
    private long seq;
    private Cached cache;
    private boolean reading;
    private long emptySinceNanos = System.nanoTime();
    private long lastHeartbeatNanos = System.nanoTime();

    private record Entry(long seq, String json) {}

    /** A snapshot of every widget, consistent with the stream up to {@code seq}. */
    private record Cached(long seq, List<String> frames, long readNanos) {}

    /** What the stream knows about one widget. */
    private static final class WidgetState {
        final UUID id;
        final UUID pipelineId;
        final String metric;
        final Map<String, String> labels;
        Duration bucket;
        Instant from;
        Integer version;
        // The earliest and latest point time seen since the last read of this widget.
        Instant dirtyFrom;
        Instant dirtyTo;
        boolean inFlight;
        boolean resnapshot;

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
     * ring buffer still holds the successor of; otherwise the shared snapshot and the frames since.
     */
    void join(Viewer viewer, String resumeEpoch, Long resumeSeq) {
        boolean read = false;
        synchronized (this) {
            Outbox outbox = viewer.outbox;
            viewers.add(viewer);
            if (epoch.equals(resumeEpoch) && resumeSeq != null && resumeSeq <= seq && covers(resumeSeq)) {
                outbox.start(framesAfter(resumeSeq, List.of()));
                return;
            }
            if (cacheUsable()) {
                outbox.start(framesAfter(cache.seq, cache.frames));
                return;
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
    }

    synchronized void leave(Viewer viewer) {
        viewers.remove(viewer);
        waiting.remove(viewer);
        if (viewers.isEmpty()) {
            emptySinceNanos = System.nanoTime();
        }
    }

    synchronized boolean idleLongerThan(Duration linger) {
        return viewers.isEmpty() && System.nanoTime() - emptySinceNanos > linger.toNanos();
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

    private List<String> framesAfter(long after, List<String> head) {
        List<String> out = new ArrayList<>(head);
        for (Entry e : ring) {
            if (e.seq > after) {
                out.add(e.json);
            }
        }
        return out;
    }

    // ---- snapshots ----

    private void readSnapshot() {
        long at;
        synchronized (this) {
            at = seq;
        }
        Instant now = Instant.now();
        DataRequest request = new DataRequest(range.fromAt(now), range.toAt(now), null);
        List<Uni<SeriesResult>> reads = new ArrayList<>();
        for (WidgetState w : widgets) {
            reads.add(owner.dashboards
                    .widgetData(dashboard, w.id, request)
                    .onFailure()
                    .recoverWithItem(e -> {
                        Log.debugf("Live snapshot of widget %s not read: %s", w.id, e.toString());
                        return null;
                    }));
        }
        Uni<List<SeriesResult>> all = reads.isEmpty()
                ? Uni.createFrom().item(List.of())
                : Uni.join().all(reads).andCollectFailures().map(l -> (List<SeriesResult>) l);
        all.subscribe().with(results -> snapshotRead(at, results), e -> snapshotRead(at, List.of()));
    }

    private void snapshotRead(long at, List<SeriesResult> results) {
        synchronized (this) {
            List<String> frames = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                SeriesResult r = results.get(i);
                if (r == null) {
                    continue;
                }
                WidgetState w = widgets.get(i);
                adopt(w, r);
                frames.add(owner.json(new Frames.Snapshot(epoch, at, w.id, r)));
            }
            cache = new Cached(at, List.copyOf(frames), System.nanoTime());
            reading = false;
            for (Viewer v : waiting) {
                v.outbox.start(framesAfter(at, frames));
            }
            waiting.clear();
        }
    }

    private void adopt(WidgetState w, SeriesResult r) {
        w.bucket = Duration.ofSeconds(r.bucketSeconds());
        w.from = r.from();
        w.version = r.mappingVersion();
        if (r.mappingVersion() != null) {
            versions.putIfAbsent(w.pipelineId, r.mappingVersion());
        }
    }

    // ---- points and ticks ----

    /** Marks the buckets of the widgets the batch's points fall in; cheap, on the points reader's thread. */
    synchronized boolean touch(PointsBatch batch) {
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
                    any = true;
                }
            }
        }
        return any;
    }

    /** Probes the pipeline's active version at the next tick (a replay of it ended). */
    synchronized void probeVersion(UUID pipelineId) {
        if (pipelines().contains(pipelineId)) {
            versionProbes.add(pipelineId);
        }
    }

    /** One coalescing tick: slides a relative range, sends heartbeats, starts the reads of changed widgets. */
    void tick(Instant now) {
        List<Runnable> reads = new ArrayList<>();
        synchronized (this) {
            if (cache == null && reading) {
                return;
            }
            if (System.nanoTime() - lastHeartbeatNanos
                    >= owner.config.heartbeat().toNanos()) {
                lastHeartbeatNanos = System.nanoTime();
                publish(s -> new Frames.Heartbeat(epoch, s, now));
            }
            for (UUID p : versionProbes) {
                reads.add(() -> owner.activeVersion(p).subscribe().with(v -> versionSeen(p, v), e -> {}));
            }
            versionProbes.clear();
            for (WidgetState w : widgets) {
                if (w.bucket == null || w.inFlight) {
                    continue;
                }
                if (range.relative()) {
                    Instant from = SeriesSql.floor(now.minus(range.last()), w.bucket);
                    if (from.isAfter(w.from)) {
                        w.from = from;
                        publish(s -> new Frames.DropBefore(epoch, s, w.id, from));
                    }
                }
                Instant end = range.relative() ? SeriesSql.ceil(now, w.bucket) : range.to();
                if (w.resnapshot) {
                    w.resnapshot = false;
                    w.dirtyFrom = null;
                    w.dirtyTo = null;
                    w.inFlight = true;
                    DataRequest all = new DataRequest(range.fromAt(now), range.toAt(now), null);
                    reads.add(() -> read(w, all, true));
                    continue;
                }
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
                DataRequest changed = new DataRequest(from, to, w.bucket.toString());
                reads.add(() -> read(w, changed, false));
            }
        }
        reads.forEach(Runnable::run);
    }

    private void read(WidgetState w, DataRequest request, boolean whole) {
        owner.dashboards.widgetData(dashboard, w.id, request).subscribe().with(r -> widgetRead(w, r, whole), e -> {
            Log.debugf("Live read of widget %s failed: %s", w.id, e.toString());
            synchronized (this) {
                w.inFlight = false;
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
            publish(s -> new Frames.Delta(epoch, s, w.id, r.mappingVersion(), r.series()));
        }
    }

    private synchronized void versionSeen(UUID pipelineId, Integer active) {
        if (active != null && !active.equals(versions.get(pipelineId))) {
            switchVersion(pipelineId, active);
        }
    }

    /** A cut-over: the annotation first, then a fresh snapshot of every widget over the pipeline. */
    private void switchVersion(UUID pipelineId, int version) {
        versions.put(pipelineId, version);
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

    /** Numbers a frame, keeps it in the ring buffer and hands it to every viewer; under the monitor. */
    private void publish(LongFunction<Frames.Frame> frame) {
        long s = ++seq;
        String json = owner.json(frame.apply(s));
        ring.addLast(new Entry(s, json));
        while (ring.size() > owner.config.ringBuffer()) {
            ring.removeFirst();
        }
        for (Viewer v : viewers) {
            if (!waiting.contains(v)) {
                v.send(json);
            }
        }
        // Viewers waiting for the snapshot get this frame from the ring buffer when it arrives.
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
