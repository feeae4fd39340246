package dev.dash.web.live.cache;

import dev.dash.model.kafka.PointsBatch;
import dev.dash.web.api.Sql;
import dev.dash.web.live.LiveConfig;
import dev.dash.web.query.SeriesSql;
import io.quarkus.logging.Log;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live dashboards' hot cache (docs/live.md, "Hot cache"): the recent buckets of every widget query open on
 * this node ({@link CacheEntry}), read from Silver once and kept current from {@code dash.points}, so that a
 * delta costs no database read however many widgets, streams and viewers share the query.
 *
 * <p>Threads: points come from the points reader, ticks from the live timer, read results from the database
 * client; each entry is guarded by its own monitor.
 */
@ApplicationScoped
public class HotCache {
    private static final Instant OPEN_END = Instant.parse("9999-01-01T00:00:00Z");

    private final LiveConfig.Cache config;
    private final Pool pool;
    private final Map<WidgetQuery, CacheEntry> entries = new ConcurrentHashMap<>();
    private final Map<UUID, Set<CacheEntry>> byPipeline = new ConcurrentHashMap<>();
    private final Map<UUID, Seen> seen = new ConcurrentHashMap<>();
    private final Map<CacheEntry, Long> probed = new ConcurrentHashMap<>();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    /** For tests: runs between {@link #attach} finding a query's entry and taking its monitor. */
    Runnable afterLookup = () -> {};

    /** Identities of the points of one pipeline seen lately, oldest first, at most {@code dedupe-points}. */
    private static final class Seen extends LinkedHashMap<PointId, Boolean> {
        private final int max;

        Seen(int max) {
            super(1024, 0.75f, false);
            this.max = max;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<PointId, Boolean> eldest) {
            return size() > max;
        }
    }

    /** A point's identity in Silver: a redelivered batch carries the same ones. */
    private record PointId(long msb, long lsb, int seq, int version) {}

    public HotCache(LiveConfig config, Pool pool) {
        this.config = config.cache();
        this.pool = pool;
    }

    /** Whether widgets use the cache (else every delta reads its buckets from Silver). */
    public boolean enabled() {
        return config.enabled();
    }

    /**
     * The entry of a query, for a reader that needs its buckets from {@code from} on; null when disabled. Never an
     * entry the cleanup dropped: the reader is added under the entry's monitor, where {@link #tick} drops an unused
     * entry in one step (marked, then out of the maps), so an entry found just before it was dropped is left for a
     * fresh one. Before, the reader was added to the dropped entry, which no batch of points reached any more.
     */
    public CacheEntry attach(WidgetQuery q, Instant from, Object reader) {
        if (!config.enabled()) {
            return null;
        }
        while (true) {
            CacheEntry e = entries.computeIfAbsent(q, k -> {
                CacheEntry created = new CacheEntry(k, config.clockMargin().toMillis(), config.maxBuckets());
                byPipeline
                        .computeIfAbsent(k.pipelineId(), p -> ConcurrentHashMap.newKeySet())
                        .add(created);
                seen.computeIfAbsent(k.pipelineId(), p -> new Seen(config.dedupePoints()));
                return created;
            });
            afterLookup.run();
            synchronized (e) {
                if (!e.dropped) {
                    e.need(reader, from);
                    return e;
                }
            }
            // Dropped between the lookup and the monitor: out of the map by now, so the next lookup makes a new one.
        }
    }

    /** A reader's first needed bucket moved on (its range slid). */
    public void need(CacheEntry e, Object reader, Instant from) {
        synchronized (e) {
            e.need(reader, from);
        }
    }

    public void detach(CacheEntry e, Object reader) {
        synchronized (e) {
            e.readers.remove(reader);
            if (e.readers.isEmpty()) {
                e.unusedSinceNanos = System.nanoTime();
            }
        }
    }

    /** Whether an entry over the pipeline is in the cache (its points are merged). */
    public boolean holds(UUID pipelineId) {
        Set<CacheEntry> over = byPipeline.get(pipelineId);
        return over != null && !over.isEmpty();
    }

    /** A batch from {@code dash.points}: new points go into the entries over their pipeline. */
    public void accept(PointsBatch batch) {
        Set<CacheEntry> over = byPipeline.get(batch.pipelineId());
        Seen known = seen.get(batch.pipelineId());
        if (over == null || over.isEmpty() || known == null) {
            return;
        }
        List<PointsBatch.Point> fresh = new ArrayList<>(batch.points().size());
        synchronized (known) {
            for (PointsBatch.Point p : batch.points()) {
                PointId id = new PointId(
                        p.eventId().getMostSignificantBits(),
                        p.eventId().getLeastSignificantBits(),
                        p.seq(),
                        p.mappingVersion());
                if (known.put(id, Boolean.TRUE) == null) {
                    fresh.add(p);
                } else {
                    duplicates.incrementAndGet();
                }
            }
        }
        long committed = batch.committedAt().toEpochMilli();
        for (CacheEntry e : over) {
            synchronized (e) {
                for (PointsBatch.Point p : fresh) {
                    if (e.query.matches(p)) {
                        e.point(p, committed);
                    }
                }
            }
        }
    }

    /** The pipeline's active mapping version is {@code version}: entries of another start over. */
    public void versionIs(UUID pipelineId, int version) {
        for (CacheEntry e : byPipeline.getOrDefault(pipelineId, Set.of())) {
            synchronized (e) {
                e.versionIs(version);
            }
        }
    }

    /** One tick of the live timer: slid ranges trimmed, unused entries dropped, reads started. */
    public void tick(Duration linger) {
        long now = System.currentTimeMillis();
        for (CacheEntry e : entries.values()) {
            CacheEntry.Read read;
            boolean probe = false;
            synchronized (e) {
                if (e.readers.isEmpty()) {
                    if (System.nanoTime() - e.unusedSinceNanos > linger.toNanos()) {
                        e.dropped = true;
                        remove(e);
                    }
                    continue;
                }
                e.trim();
                if (e.usable()
                        && now - e.lastFullReadMillis() > config.refresh().toMillis()) {
                    e.refresh();
                }
                if (e.versionSuspect()) {
                    // At most one probe a second; the suspicion stays until it is probed (or a probe failed).
                    Long last = probed.get(e);
                    probe = last == null || now - last > 1000;
                    if (probe) {
                        e.takeVersionSuspect();
                    }
                }
                read = e.nextRead(now);
            }
            if (probe) {
                probed.put(e, now);
                probe(e);
            }
            if (read != null) {
                read(e, read);
            }
        }
    }

    private void remove(CacheEntry e) {
        entries.remove(e.query, e);
        probed.remove(e);
        byPipeline.computeIfPresent(e.query.pipelineId(), (k, set) -> {
            set.remove(e);
            if (set.isEmpty()) {
                seen.remove(k);
                return null;
            }
            return set;
        });
    }

    private void probe(CacheEntry e) {
        Sql.one(
                        pool,
                        r -> r.getInteger("v"),
                        "SELECT active_mapping_version AS v FROM pipelines WHERE id = $1",
                        e.query.pipelineId())
                .subscribe()
                .with(
                        v -> {
                            if (v != null) {
                                synchronized (e) {
                                    e.versionIs(v);
                                }
                            }
                        },
                        x -> {
                            // Probed again a second later (before, never: the entry kept the old version's buckets
                            // until another point of the newer version came, or a stream's check switched it).
                            Log.debugf("Hot cache: active version of %s not read: %s", e.query, x.toString());
                            synchronized (e) {
                                e.suspectVersion();
                            }
                        });
    }

    private void read(CacheEntry e, CacheEntry.Read r) {
        WidgetQuery q = e.query;
        Duration width = Duration.ofSeconds(q.bucketSeconds());
        reads.incrementAndGet();
        Sql.list(
                        pool,
                        row -> row.getValue("b") == null
                                ? new Object[] {row.getInteger("v")}
                                : new Object[] {
                                    row.getInteger("v"),
                                    new CacheEntry.Row(
                                            labels(row.getString("labels")),
                                            CacheEntry.key(labels(row.getString("labels"))),
                                            Sql.instant(row, "b"),
                                            row.getLong("n"),
                                            row.getDouble("total"),
                                            row.getDouble("min_value"),
                                            row.getDouble("max_value"),
                                            row.getDouble("last_value"),
                                            Sql.instant(row, "last_time"))
                                },
                        CacheSql.sql(SeriesSql.level(width)),
                        q.pipelineId(),
                        q.metric(),
                        Instant.ofEpochSecond(r.from()),
                        r.to() == Long.MAX_VALUE ? OPEN_END : Instant.ofEpochSecond(r.to()),
                        SeriesSql.interval(width),
                        q.labelFilterJson())
                .subscribe()
                .with(
                        rows -> {
                            Integer version = rows.isEmpty() ? null : (Integer) rows.get(0)[0];
                            List<CacheEntry.Row> states = new ArrayList<>(rows.size());
                            for (Object[] row : rows) {
                                if (row.length > 1) {
                                    states.add((CacheEntry.Row) row[1]);
                                }
                            }
                            synchronized (e) {
                                e.readDone(r, version, states, System.currentTimeMillis());
                            }
                        },
                        x -> {
                            Log.debugf("Hot cache read of %s failed: %s", q, x.toString());
                            synchronized (e) {
                                e.readFailed(r);
                            }
                        });
    }

    private static Map<String, String> labels(String json) {
        Map<String, String> out = new java.util.TreeMap<>();
        if (json == null) {
            return out;
        }
        try {
            dev.dash.model.json.Json.parse(json)
                    .fields()
                    .forEachRemaining(f -> out.put(f.getKey(), f.getValue().asText()));
        } catch (java.io.IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
        return out;
    }

    /** Silver reads made by the cache since start-up. */
    public long reads() {
        return reads.get();
    }

    /** Points skipped as already seen (redelivered batches). */
    public long duplicates() {
        return duplicates.get();
    }

    /** Bucket states kept over all entries. */
    public long cells() {
        long n = 0;
        for (CacheEntry e : entries.values()) {
            synchronized (e) {
                n += e.cells();
            }
        }
        return n;
    }

    public int entries() {
        return entries.size();
    }
}
