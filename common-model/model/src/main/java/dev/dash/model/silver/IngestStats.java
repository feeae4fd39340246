package dev.dash.model.silver;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The events a Silver writer read per pipeline, by received minute, added to {@code pipeline_ingest_stats}
 * (migration V67) once their batch is committed: what the pipelines list shows as "events/min" and "last
 * event". Per pipeline only the newest minute and the one before it are kept, which is all the rate needs;
 * older minutes in a batch (a backlog) are left out of the rate but still move "last event".
 */
public final class IngestStats {
    private static final long MINUTE = 60_000;

    /**
     * Adds a batch's counts. Rows are locked in pipeline order (the {@code ORDER BY}), so two writers adding
     * to the same pipelines cannot deadlock; a pipeline deleted meanwhile is left out by the join.
     */
    private static final String UPSERT = """
            INSERT INTO pipeline_ingest_stats AS s
                (pipeline_id, last_event_at, minute, minute_events, prev_minute_events)
            SELECT i.p, i.last_at, i.m, i.n, i.prev_n
            FROM unnest(?::uuid[], ?::text[]::timestamptz[], ?::text[]::timestamptz[], ?::bigint[], ?::bigint[])
                AS i (p, last_at, m, n, prev_n)
            JOIN pipelines ON pipelines.id = i.p
            ORDER BY i.p
            ON CONFLICT (pipeline_id) DO UPDATE SET
                last_event_at = greatest(s.last_event_at, EXCLUDED.last_event_at),
                minute = greatest(s.minute, EXCLUDED.minute),
                minute_events = CASE
                    WHEN EXCLUDED.minute = s.minute THEN s.minute_events + EXCLUDED.minute_events
                    WHEN EXCLUDED.minute > s.minute THEN EXCLUDED.minute_events
                    ELSE s.minute_events END,
                prev_minute_events = CASE
                    WHEN EXCLUDED.minute = s.minute THEN s.prev_minute_events + EXCLUDED.prev_minute_events
                    WHEN EXCLUDED.minute = s.minute + interval '1 minute'
                        THEN EXCLUDED.prev_minute_events + s.minute_events
                    WHEN EXCLUDED.minute > s.minute THEN EXCLUDED.prev_minute_events
                    WHEN EXCLUDED.minute = s.minute - interval '1 minute'
                        THEN s.prev_minute_events + EXCLUDED.minute_events
                    ELSE s.prev_minute_events END,
                updated_at = now()
            """;

    /** One pipeline's counts in this batch. */
    private static final class Counts {
        long minute = Long.MIN_VALUE;
        long events;
        long prevEvents;
        long lastAt = Long.MIN_VALUE;

        void add(long receivedMillis) {
            lastAt = Math.max(lastAt, receivedMillis);
            add(Math.floorDiv(receivedMillis, MINUTE) * MINUTE, 1);
        }

        /** Adds {@code n} events of minute {@code m}. */
        void add(long m, long n) {
            if (m == minute) {
                events += n;
            } else if (m > minute) {
                prevEvents = m - MINUTE == minute ? events : 0;
                minute = m;
                events = n;
            } else if (m == minute - MINUTE) {
                prevEvents += n;
            }
        }

        void add(Counts other) {
            lastAt = Math.max(lastAt, other.lastAt);
            // The older minute first, as the events would have come.
            if (other.prevEvents > 0) {
                add(other.minute - MINUTE, other.prevEvents);
            }
            add(other.minute, other.events);
        }
    }

    private final Map<UUID, Counts> counts = new TreeMap<>();

    /** Counts one event of {@code pipelineId} received at {@code receivedAt}. */
    public void count(UUID pipelineId, Instant receivedAt) {
        counts.computeIfAbsent(pipelineId, k -> new Counts()).add(receivedAt.toEpochMilli());
    }

    /**
     * Adds another batch's counts to these, as if its events had been counted here after these (what a writer
     * does to write several committed batches' counts in one statement).
     */
    public void add(IngestStats other) {
        other.counts.forEach(
                (id, c) -> counts.computeIfAbsent(id, k -> new Counts()).add(c));
    }

    public boolean isEmpty() {
        return counts.isEmpty();
    }

    public void clear() {
        counts.clear();
    }

    /** Adds the counts to {@code pipeline_ingest_stats} in one statement and clears them. */
    public void write(DataSource dataSource) throws SQLException {
        if (counts.isEmpty()) {
            return;
        }
        List<UUID> ids = new ArrayList<>(counts.size());
        List<String> last = new ArrayList<>(counts.size());
        List<String> minutes = new ArrayList<>(counts.size());
        List<Long> events = new ArrayList<>(counts.size());
        List<Long> prev = new ArrayList<>(counts.size());
        counts.forEach((id, c) -> {
            ids.add(id);
            last.add(Instant.ofEpochMilli(c.lastAt).toString());
            minutes.add(Instant.ofEpochMilli(c.minute).toString());
            events.add(c.events);
            prev.add(c.prevEvents);
        });
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            ps.setArray(2, c.createArrayOf("text", last.toArray()));
            ps.setArray(3, c.createArrayOf("text", minutes.toArray()));
            ps.setArray(4, c.createArrayOf("bigint", events.toArray()));
            ps.setArray(5, c.createArrayOf("bigint", prev.toArray()));
            ps.executeUpdate();
        }
        counts.clear();
    }
}
