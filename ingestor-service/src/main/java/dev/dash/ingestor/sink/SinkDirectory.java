package dev.dash.ingestor.sink;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Every sink, read from the database (web-service does not publish sinks on {@code dash.control}). A
 * {@code dash.points} record is planned with a list read after it was produced, so a sink created just
 * before a point is never missed; reads are at most one per {@code refresh-interval}.
 */
@ApplicationScoped
public class SinkDirectory {
    private final SinkRepository repository;
    private final long refreshMillis;
    private volatile View view = new View(Instant.EPOCH, Map.of());
    private long lastLoadNanos;

    public SinkDirectory(SinkRepository repository, SinksConfig config) {
        this.repository = repository;
        this.refreshMillis = config.refreshInterval().toMillis();
    }

    /** The sinks as of the database time {@code loadedAt}. */
    public static final class View {
        private final Instant loadedAt;
        private final Map<UUID, SinkDefinition> byId;
        private final Map<String, List<SinkDefinition>> enabledByPipeline = new HashMap<>();
        private final List<UUID> alertSinks = new ArrayList<>();

        View(Instant loadedAt, Map<UUID, SinkDefinition> byId) {
            this.loadedAt = loadedAt;
            this.byId = byId;
            for (SinkDefinition s : byId.values()) {
                if (s.enabled()) {
                    enabledByPipeline
                            .computeIfAbsent(s.pipelineId().toString(), k -> new ArrayList<>())
                            .add(s);
                    if (s.mode() instanceof DeliveryMode.Alert) {
                        alertSinks.add(s.id());
                    }
                }
            }
        }

        /** The enabled sinks of the pipeline with this id (a {@code dash.points} key). */
        public List<SinkDefinition> forPipeline(String pipelineId) {
            return pipelineId == null ? List.of() : enabledByPipeline.getOrDefault(pipelineId, List.of());
        }

        /** A sink, enabled or not, or null. */
        public SinkDefinition get(UUID id) {
            return byId.get(id);
        }

        List<UUID> alertSinkIds() {
            return alertSinks;
        }

        public Instant loadedAt() {
            return loadedAt;
        }
    }

    /** The current list, read again if older than the refresh interval. */
    public synchronized View current() throws SQLException {
        if (System.nanoTime() - lastLoadNanos > refreshMillis * 1_000_000L) {
            reload();
        }
        return view;
    }

    /** A list read at or after {@code time} (waiting out the refresh interval when needed). */
    public synchronized View atLeast(Instant time) throws SQLException {
        while (view.loadedAt().isBefore(time)) {
            long waitMillis = refreshMillis - (System.nanoTime() - lastLoadNanos) / 1_000_000L;
            if (waitMillis > 0) {
                try {
                    wait(waitMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return view;
                }
                continue;
            }
            reload();
            if (view.loadedAt().isBefore(time)) {
                // Clocks of this node and the database differ by this much at most for a moment.
                return view;
            }
        }
        return view;
    }

    /** Reads the list now. */
    public synchronized View reload() throws SQLException {
        SinkRepository.Loaded l = repository.loadSinks();
        lastLoadNanos = System.nanoTime();
        view = new View(l.loadedAt(), l.byId());
        return view;
    }
}
