package dev.dash.web.live.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.web.api.Sql;
import dev.dash.web.dashboard.DashboardService;
import dev.dash.web.dashboard.Dashboards.Dashboard;
import dev.dash.web.dashboard.Dashboards.Widget;
import dev.dash.web.live.LiveConfig;
import dev.dash.web.live.access.PublicLinks;
import dev.dash.web.live.cache.HotCache;
import dev.dash.web.live.stream.Frames.AnnotationKind;
import dev.dash.web.replay.ReplayWatchers.ReplayMessage;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.CloseReason;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live dashboard streams of this node and their viewers (docs/live.md): one {@link DashboardStream} per
 * dashboard and range, whatever the number of viewers; the points of {@code dash.points} and the replay
 * messages of {@code dash.replays} go to the streams over their pipelines. One timer thread drives the
 * coalescing ticks; a slower one checks open connections against the database (revoked public links, deleted
 * dashboards, ended memberships) and closes half-open ones.
 */
@ApplicationScoped
public class LiveStreams {
    /** The client should reconnect later: it was too slow to keep up. */
    public static final CloseReason TOO_SLOW = new CloseReason(1013, "too slow to keep up; reconnect");

    public static final CloseReason UNAVAILABLE = new CloseReason(1013, "the link could not be checked now; reconnect");
    public static final CloseReason REVOKED = new CloseReason(4403, "the public link was revoked or has expired");
    public static final CloseReason DELETED = new CloseReason(4404, "the dashboard was deleted");
    public static final CloseReason NO_ACCESS = new CloseReason(1008, "no longer a member of the team");
    public static final CloseReason IDLE = new CloseReason(1001, "nothing heard from the client");
    /** The viewer could not be moved to its dashboard's new stream (docs/live.md): it should reconnect later. */
    public static final CloseReason NOT_MOVED =
            new CloseReason(1013, "the dashboard's stream could not be opened; reconnect");

    final LiveConfig config;
    final DashboardService dashboards;
    final HotCache cache;
    private final Pool pool;
    private final ObjectMapper json;
    private final PublicLinks links;
    private final Map<String, DashboardStream> streams = new ConcurrentHashMap<>();
    private final Map<UUID, Set<DashboardStream>> byPipeline = new ConcurrentHashMap<>();
    private final Map<String, Viewer> viewers = new ConcurrentHashMap<>();
    private final Map<UUID, String> replayStates = new ConcurrentHashMap<>();
    private final AtomicLong closedAsSlow = new AtomicLong();
    final AtomicLong readBacks = new AtomicLong();
    final LiveTimings timings;
    private ScheduledExecutorService timer;

    public LiveStreams(
            LiveConfig config,
            DashboardService dashboards,
            HotCache cache,
            Pool pool,
            ObjectMapper json,
            PublicLinks links,
            MeterRegistry registry) {
        this.links = links;
        this.timings = new LiveTimings(registry);
        this.config = config;
        this.dashboards = dashboards;
        this.cache = cache;
        this.pool = pool;
        this.json = json;
    }

    void onStart(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dash-live-timer");
            t.setDaemon(true);
            return t;
        });
        long tick = config.coalesce().toMillis();
        timer.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
        long check = config.accessCheck().toMillis();
        timer.scheduleWithFixedDelay(this::check, check, check, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    // ---- connections ----

    /** Registers an open connection; it gets frames once it subscribes. */
    public void open(Viewer viewer) {
        viewers.put(viewer.id(), viewer);
    }

    /** Forgets a closed connection. */
    public void close(String connectionId) {
        Viewer v = viewers.remove(connectionId);
        if (v != null) {
            detach(v);
        }
    }

    public Viewer viewer(String connectionId) {
        return viewers.get(connectionId);
    }

    /**
     * (Re)subscribes a viewer to its dashboard over a range: it leaves its previous stream and joins the
     * shared stream of this range (created on first use).
     */
    public Uni<Void> subscribe(Viewer viewer, LiveRange range, String resumeEpoch, Long resumeSeq) {
        return subscribe(viewer, range, resumeEpoch, resumeSeq, null, 3);
    }

    /**
     * {@code read}: the dashboard's read when a stream is to be created, shared by the viewers of a replaced stream;
     * null for a read of this subscribe's own.
     */
    private Uni<Void> subscribe(
            Viewer viewer, LiveRange range, String resumeEpoch, Long resumeSeq, Uni<Dashboard> read, int tries) {
        String key = viewer.dashboardId + "|" + range.key();
        DashboardStream known = streams.get(key);
        Uni<DashboardStream> stream = known != null
                ? Uni.createFrom().item(known)
                : (read != null ? read : retried(dashboards.loadAuthorised(viewer.teamId, viewer.dashboardId)))
                        .map(d -> {
                            if (d == null) {
                                viewer.close(DELETED);
                                return null;
                            }
                            return streams.computeIfAbsent(key, k -> create(k, range, d));
                        });
        return stream.flatMap(s -> {
            if (s == null || !viewers.containsKey(viewer.id()) || attach(viewer, s, resumeEpoch, resumeSeq)) {
                return Uni.createFrom().voidItem();
            }
            // The stream closed between finding it and joining it (dropped as idle, or replaced): a fresh one. It
            // is out of the map already or about to be; taken out here so the next try does not find it again.
            streams.remove(key, s);
            if (tries <= 1) {
                return Uni.createFrom()
                        .failure(new IllegalStateException("live stream " + key + " kept closing under a subscribe"));
            }
            return subscribe(viewer, range, resumeEpoch, resumeSeq, read, tries - 1);
        });
    }

    /**
     * A read tried again after a failure that may pass ({@link DashboardStream#mayPass}), up to {@code
     * dash.live.snapshot-retries} times with a wait from {@code dash.live.snapshot-retry-backoff} doubling to 16 times
     * it (docs/live.md, "Snapshots that fail"): a snapshot's widget reads, and a subscribe's dashboard read, so a pool
     * wait or a lost connection during a connect burst neither leaves viewers without data nor closes them.
     */
    <T> Uni<T> retried(Uni<T> read) {
        int retries = config.snapshotRetries();
        if (retries <= 0) {
            return read;
        }
        Duration backoff = config.snapshotRetryBackoff();
        return read.onFailure(DashboardStream::mayPass)
                .retry()
                .withBackOff(backoff, backoff.multipliedBy(16))
                .atMost(retries);
    }

    private DashboardStream create(String key, LiveRange range, Dashboard d) {
        DashboardStream s = new DashboardStream(this, key, range, d);
        for (UUID p : s.pipelines()) {
            byPipeline.computeIfAbsent(p, x -> ConcurrentHashMap.newKeySet()).add(s);
        }
        Log.debugf("Live stream %s created (epoch %s)", key, s.epoch);
        return s;
    }

    /** False when the stream was closed before the viewer joined it (nothing attached then). */
    private boolean attach(Viewer viewer, DashboardStream stream, String resumeEpoch, Long resumeSeq) {
        synchronized (viewer) {
            detach(viewer);
            viewer.reset(config.maxQueuedFrames(), () -> {
                closedAsSlow.incrementAndGet();
                Log.infof("Live viewer %s of dashboard %s is too slow; closing it", viewer.id(), viewer.dashboardId);
                viewer.close(TOO_SLOW);
            });
            viewer.stream = stream;
        }
        if (stream.join(viewer, resumeEpoch, resumeSeq)) {
            return true;
        }
        synchronized (viewer) {
            if (viewer.stream == stream) {
                viewer.stream = null;
            }
        }
        return false;
    }

    private void detach(Viewer viewer) {
        synchronized (viewer) {
            if (viewer.stream != null) {
                viewer.stream.leave(viewer);
                viewer.stream = null;
            }
            viewer.stop();
        }
    }

    /** Open live connections on this node. */
    public int connections() {
        return viewers.size();
    }

    /** Connections closed for being too slow since start-up. */
    public long closedAsSlow() {
        return closedAsSlow.get();
    }

    /** Deltas read back from Silver (widgets the hot cache does not answer for) since start-up. */
    public long readBacks() {
        return readBacks.get();
    }

    /** Dashboard streams on this node. */
    public int streams() {
        return streams.size();
    }

    // ---- inputs ----

    /**
     * Whether points of the pipeline matter here: a stream over it is open, or the hot cache holds a query over
     * it. Others are skipped undecoded ({@link dev.dash.web.live.points.PointsRouter}).
     */
    public boolean wants(UUID pipelineId) {
        return byPipeline.containsKey(pipelineId) || cache.holds(pipelineId);
    }

    /** A batch from {@code dash.points}: marks what it changes in the streams over its pipeline. */
    public void accept(PointsBatch batch) {
        long read = System.nanoTime();
        timings.pointsRead(batch.committedAt());
        // Marked in the streams before they go into the cache: a widget switching over to the cache reads what
        // was marked until then from Silver and takes the cache's changes after (DashboardStream.fromCache).
        Set<DashboardStream> over = byPipeline.get(batch.pipelineId());
        List<DashboardStream> touched = new ArrayList<>();
        if (over != null) {
            for (DashboardStream s : over) {
                if (s.touch(batch, read)) {
                    touched.add(s);
                }
            }
        }
        cache.accept(batch);
        // The deltas go out now rather than at the next regular tick, up to a coalescing interval later (leading
        // edge); a widget that sent one less than an interval ago sends when the interval is over.
        for (DashboardStream s : touched) {
            tickSoon(s, 0);
        }
    }

    /** Ticks one stream on the timer thread after {@code delayNanos}, unless a tick of it is due already. */
    private void tickSoon(DashboardStream s, long delayNanos) {
        ScheduledExecutorService t = timer;
        if (t == null || !s.tickDue.compareAndSet(false, true)) {
            return;
        }
        try {
            t.schedule(
                    () -> {
                        s.tickDue.set(false);
                        if (streams.get(s.key) == s) {
                            tickOne(s, Instant.now());
                        }
                    },
                    delayNanos,
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            s.tickDue.set(false); // shutting down
        }
    }

    private void tickOne(DashboardStream s, Instant now) {
        try {
            long wake = s.tick(now);
            if (wake != Long.MAX_VALUE) {
                tickSoon(s, wake);
            }
        } catch (RuntimeException e) {
            Log.warnf("Live tick of stream %s failed: %s", s.key, e.toString());
        }
    }

    /** A {@code dash.replays} message: an annotation when a replay starts or ends. */
    void onReplay(@Observes ReplayMessage message) {
        JsonNode m;
        UUID replay;
        UUID pipeline;
        try {
            m = json.readTree(message.json());
            replay = UUID.fromString(m.path("id").asText());
            pipeline = UUID.fromString(m.path("pipeline_id").asText());
        } catch (Exception e) {
            return;
        }
        String state = m.path("state").asText();
        String before = replayStates.put(replay, state);
        if (replayStates.size() > 10_000) {
            replayStates.clear();
        }
        if (state.equals(before)) {
            return;
        }
        Integer target =
                m.hasNonNull("target_version") ? m.path("target_version").asInt() : null;
        AnnotationKind kind;
        String text;
        switch (state) {
            case "running" -> {
                kind = AnnotationKind.replay_started;
                text = "replay to mapping version " + target + " started";
            }
            case "succeeded" -> {
                kind = AnnotationKind.replay_succeeded;
                text = "replay to mapping version " + target + " succeeded";
            }
            case "failed", "cancelled" -> {
                kind = AnnotationKind.replay_failed;
                text = "replay to mapping version " + target + " " + state;
            }
            default -> {
                return;
            }
        }
        Set<DashboardStream> over = byPipeline.get(pipeline);
        if (over != null) {
            for (DashboardStream s : over) {
                s.annotate(pipeline, kind, text, target);
            }
        }
    }

    // ---- timers ----

    private void tick() {
        try {
            cache.tick(config.streamLinger());
            Instant now = Instant.now();
            for (DashboardStream s : streams.values()) {
                if (s.closeIfIdle(config.streamLinger())) {
                    remove(s);
                } else {
                    tickOne(s, now);
                }
            }
        } catch (RuntimeException e) {
            Log.warnf("Live tick failed: %s", e.toString());
        }
    }

    /** Takes the stream out and closes it; false when it was out already (removed by another caller). */
    private boolean remove(DashboardStream s) {
        boolean removed = streams.remove(s.key, s);
        s.close();
        for (UUID p : s.pipelines()) {
            byPipeline.computeIfPresent(p, (k, set) -> {
                set.remove(s);
                return set.isEmpty() ? null : set;
            });
        }
        Log.debugf("Live stream %s removed", s.key);
        return removed;
    }

    /** Closes half-open connections, and those whose access ended; one query per kind for the whole node. */
    private void check() {
        try {
            long idle = config.idleTimeout().toNanos();
            long now = System.nanoTime();
            List<Viewer> all = new ArrayList<>(viewers.values());
            for (Viewer v : all) {
                // Only for clients known to answer pings: a client whose pongs never arrive (or a framework that
                // does not hand them over) must not be taken for a dead one.
                if (v.pongs && now - v.lastSeenNanos > idle) {
                    v.close(IDLE);
                }
            }
            checkTokens(all);
            checkDashboards();
            checkMembers(all);
            checkVersions();
        } catch (RuntimeException e) {
            Log.warnf("Live access check failed: %s", e.toString());
        }
    }

    private void checkTokens(List<Viewer> all) {
        List<String> hashes = all.stream()
                .map(v -> v.tokenHash)
                .filter(h -> h != null)
                .distinct()
                .toList();
        if (hashes.isEmpty()) {
            return;
        }
        Sql.list(pool, r -> r.getString("h"), """
                        SELECT encode(public_token_hash, 'hex') AS h FROM dashboards
                        WHERE encode(public_token_hash, 'hex') = ANY($1) AND is_public
                          AND (public_token_expires_at IS NULL OR public_token_expires_at > now())
                        """, (Object) hashes.toArray(String[]::new))
                .subscribe()
                .with(
                        valid -> {
                            Set<String> ok = new HashSet<>(valid);
                            all.stream()
                                    .filter(v -> v.tokenHash != null && !ok.contains(v.tokenHash))
                                    .forEach(v -> {
                                        links.forget(v.tokenHash);
                                        v.close(REVOKED);
                                    });
                        },
                        e -> Log.warnf("Public links of live viewers not checked: %s", e.toString()));
    }

    /**
     * Closes the viewers of deleted dashboards, and moves the viewers of a dashboard whose widgets were added,
     * removed or changed to a fresh stream (a new epoch, so each gets snapshots of the widgets as they are now).
     */
    private void checkDashboards() {
        Map<UUID, List<DashboardStream>> byDashboard = new LinkedHashMap<>();
        streams.values()
                .forEach(s -> byDashboard
                        .computeIfAbsent(s.dashboard.id(), k -> new ArrayList<>())
                        .add(s));
        if (byDashboard.isEmpty()) {
            return;
        }
        Sql.list(
                        pool,
                        r -> new Widget(
                                r.getUUID("wid"),
                                r.getUUID("id"),
                                r.getString("type"),
                                null,
                                null,
                                null,
                                Sql.json(r, "data_query")),
                        """
                        SELECT d.id, w.id AS wid, w.type, w.data_query::text AS data_query
                        FROM dashboards d LEFT JOIN widgets w ON w.dashboard_id = d.id
                        WHERE d.id = ANY($1)
                        """,
                        (Object) byDashboard.keySet().toArray(UUID[]::new))
                .subscribe()
                .with(
                        rows -> {
                            Map<UUID, List<Widget>> now = new LinkedHashMap<>();
                            for (Widget w : rows) {
                                List<Widget> list = now.computeIfAbsent(w.dashboardId(), k -> new ArrayList<>());
                                if (w.id() != null) {
                                    list.add(w);
                                }
                            }
                            byDashboard.forEach((id, list) -> {
                                List<Widget> widgets = now.get(id);
                                if (widgets == null) {
                                    list.forEach(s -> {
                                        s.viewerList().forEach(v -> v.close(DELETED));
                                        remove(s);
                                    });
                                    return;
                                }
                                String key = DashboardStream.widgetKey(widgets);
                                list.stream()
                                        .filter(s -> !s.widgetKey().equals(key))
                                        .forEach(this::replace);
                            });
                        },
                        e -> Log.warnf("Dashboards of live streams not checked: %s", e.toString()));
    }

    /**
     * The dashboard's widgets changed: its viewers move to a new stream built from the dashboard as it is, read once
     * for all of them (and tried again like a subscribe's read). Only the first of overlapping checks that saw the
     * change moves them.
     */
    private void replace(DashboardStream s) {
        if (!remove(s)) {
            return;
        }
        Uni<Dashboard> read = retried(dashboards.loadAuthorised(s.dashboard.teamId(), s.dashboard.id()))
                .memoize()
                .indefinitely();
        for (Viewer v : s.viewerList()) {
            subscribe(v, s.range, null, null, read, 3).subscribe().with(x -> {}, e -> notMoved(v, s, e));
        }
        Log.debugf("Live stream %s replaced: its dashboard's widgets changed", s.key);
    }

    /**
     * A viewer of a replaced stream could not be moved to the new one (the dashboard's read failed every try): it
     * leaves the old stream, gets an {@code error} frame ({@code stream_unavailable}) and is closed with 1013, so its
     * client reconnects and subscribes afresh. Before, the failure was only logged: the viewer stayed on the old
     * stream, which is no longer ticked, and got nothing until its client gave up on the silence.
     */
    private void notMoved(Viewer v, DashboardStream from, Throwable e) {
        synchronized (v) {
            if (v.stream != from) {
                return; // the client subscribed again meanwhile
            }
            detach(v);
        }
        Log.warnf(
                "Live viewer %s of dashboard %s not moved to a new stream: %s; closing it (1013) to reconnect",
                v.id(), v.dashboardId, e.toString());
        String frame;
        try {
            frame = json.writeValueAsString(new Frames.StreamError());
        } catch (JsonProcessingException x) {
            throw new UncheckedIOException(x);
        }
        v.connection().sendText(frame).onFailure().recoverWithNull().subscribe().with(x -> v.close(NOT_MOVED));
    }

    /**
     * Reads the active version of every pipeline the streams show (one query for the node): a cut-over reaches the
     * open widgets within {@code dash.live.access-check} even when no replay message and no point tells of it.
     */
    private void checkVersions() {
        if (byPipeline.isEmpty()) {
            return;
        }
        Sql.list(
                        pool,
                        r -> Map.entry(r.getUUID("id"), r.getInteger("v")),
                        "SELECT id, active_mapping_version AS v FROM pipelines WHERE id = ANY($1) AND active_mapping_version IS NOT NULL",
                        (Object) byPipeline.keySet().toArray(UUID[]::new))
                .subscribe()
                .with(
                        rows -> rows.forEach(e -> {
                            Set<DashboardStream> over = byPipeline.get(e.getKey());
                            if (over != null) {
                                over.forEach(s -> s.activeVersionIs(e.getKey(), e.getValue()));
                            }
                        }),
                        e -> Log.warnf("Active versions of live pipelines not checked: %s", e.toString()));
    }

    private void checkMembers(List<Viewer> all) {
        List<String> subjects = all.stream()
                .map(v -> v.subject)
                .filter(s -> s != null)
                .distinct()
                .toList();
        if (subjects.isEmpty()) {
            return;
        }
        Sql.list(pool, r -> r.getUUID("team_id") + "|" + r.getString("oidc_subject"), """
                        SELECT m.team_id, u.oidc_subject FROM memberships m JOIN users u ON u.id = m.user_id
                        WHERE u.oidc_subject = ANY($1) AND m.active
                        """, (Object)
                        subjects.toArray(String[]::new))
                .subscribe()
                .with(
                        members -> {
                            Set<String> ok = new HashSet<>(members);
                            all.stream()
                                    .filter(v -> v.subject != null && !ok.contains(v.teamId + "|" + v.subject))
                                    .forEach(v -> v.close(NO_ACCESS));
                        },
                        e -> Log.warnf("Memberships of live viewers not checked: %s", e.toString()));
    }

    // ---- helpers for the streams ----

    Uni<Integer> activeVersion(UUID pipelineId) {
        return Sql.one(
                pool,
                r -> r.getInteger("v"),
                "SELECT active_mapping_version AS v FROM pipelines WHERE id = $1",
                pipelineId);
    }

    /** A frame as a WebSocket text frame of its JSON, encoded once for every viewer. */
    WireFrame encode(Object frame) {
        try {
            return WireFrame.text(json.writeValueAsBytes(frame));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
