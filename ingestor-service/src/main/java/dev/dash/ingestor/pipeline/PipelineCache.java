package dev.dash.ingestor.pipeline;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.crypto.KeyRing;
import dev.dash.model.kafka.PipelineConfig;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every pipeline's configuration in memory, so the ingest hot path never asks the database. Filled from
 * the database at start-up, then kept current by {@link ControlFollower} (web-service's snapshots on
 * {@code dash.control}) and a periodic reconcile. A snapshot older than the one held is ignored, so the
 * three sources can race safely.
 */
@ApplicationScoped
public class PipelineCache {
    private final ConcurrentHashMap<UUID, CachedPipeline> pipelines = new ConcurrentHashMap<>();
    /** Ids the database did not know, with the nanoTime until which that answer is trusted. */
    private final ConcurrentHashMap<UUID, Long> unknown = new ConcurrentHashMap<>();

    private final PipelineRepository repository;
    private final KeyRing keys;
    private volatile boolean loaded;

    public PipelineCache(PipelineRepository repository, IngestorConfig config) {
        this.repository = repository;
        this.keys = KeyRing.parse(
                config.crypto().keys(), config.crypto().activeKey().orElse(null));
    }

    /** The pipeline, or null when unknown (or deleted). */
    public CachedPipeline get(UUID id) {
        return pipelines.get(id);
    }

    /**
     * The pipeline, asking the database when the cache does not know it yet (a pipeline created a moment
     * ago on another node). Blocking: only for consumer threads, never the event loop.
     */
    public CachedPipeline getOrLoad(UUID id) throws SQLException {
        CachedPipeline p = pipelines.get(id);
        if (p != null) {
            return p;
        }
        Long unknownUntil = unknown.get(id);
        if (unknownUntil != null && System.nanoTime() - unknownUntil < 0) {
            return null;
        }
        PipelineConfig config = repository.load(id);
        if (config == null) {
            // Events of a deleted pipeline may fill a backlog: one database look-up per id and 30 s, not per event.
            unknown.put(id, System.nanoTime() + 30_000_000_000L);
            return null;
        }
        unknown.remove(id);
        apply(config);
        return pipelines.get(id);
    }

    /**
     * Takes a snapshot unless a newer one is held. One of the same revision replaces the held one: the database's
     * view of a revision can change without a write to the pipeline's row (a secret past its expiry is left out
     * of the next read), and the reconcile must pass that on.
     */
    public void apply(PipelineConfig config) {
        pipelines.compute(config.id(), (id, held) -> {
            if (held != null && held.config().revision() > config.revision()) {
                return held;
            }
            return CachedPipeline.of(config, keys);
        });
        unknown.remove(config.id());
    }

    /** Forgets a deleted pipeline. */
    public void remove(UUID id) {
        pipelines.remove(id);
    }

    /**
     * Replaces the content with the database's: new and changed pipelines are taken (unless the cache holds
     * a newer snapshot), deleted ones are dropped.
     */
    public int reloadFromDatabase() throws SQLException {
        // Only pipelines held before the read can be gone from it: one created meanwhile and taken from
        // dash.control (the Silver writer reloads at every rebalance) is kept.
        Set<UUID> held = new HashSet<>(pipelines.keySet());
        List<PipelineConfig> all = repository.loadAll();
        Set<UUID> seen = new HashSet<>();
        for (PipelineConfig c : all) {
            seen.add(c.id());
            apply(c);
        }
        if (loaded) {
            pipelines.keySet().removeIf(id -> held.contains(id) && !seen.contains(id));
        }
        loaded = true;
        return all.size();
    }

    /** Whether the start-up load from the database has completed. */
    public boolean loaded() {
        return loaded;
    }

    /**
     * A pipeline's pending mapping version (a replay is running).
     *
     * @param pipelineId the pipeline
     * @param version the pending version number
     */
    public record PendingVersion(UUID pipelineId, int version) {}

    /** The pending version of every pipeline held that has one. */
    public List<PendingVersion> pendingVersions() {
        List<PendingVersion> out = new ArrayList<>();
        for (CachedPipeline p : pipelines.values()) {
            if (p.pending() != null) {
                out.add(new PendingVersion(p.id(), p.pending().version()));
            }
        }
        return out;
    }

    /** Number of pipelines held. */
    public int size() {
        return pipelines.size();
    }

    void reconcile() {
        try {
            reloadFromDatabase();
        } catch (SQLException | RuntimeException e) {
            Log.warnf("Pipeline cache reconcile failed (the cache keeps following dash.control): %s", e.getMessage());
        }
    }
}
