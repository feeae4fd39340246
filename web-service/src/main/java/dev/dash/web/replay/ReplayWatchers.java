package dev.dash.web.replay;

import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open replay connections of this node, by team, and the fan-out of {@code dash.replays} messages to
 * them. Handing a message over never waits for a connection: each has its own {@link ReplayOutbox}.
 */
@ApplicationScoped
public class ReplayWatchers {
    /** Messages one connection may have waiting before it is closed as too slow. */
    static final int MAX_WAITING = 1000;
    /** "Try again later": the client should reconnect, and gets the open replays again. */
    static final CloseReason TOO_SLOW = new CloseReason(1013, "too slow to keep up; reconnect");

    private record Watcher(UUID teamId, ReplayOutbox outbox) {}

    private final Map<String, Watcher> byConnection = new ConcurrentHashMap<>();
    private final Map<UUID, Set<ReplayOutbox>> byTeam = new ConcurrentHashMap<>();

    /**
     * Registers a connection of the team; it receives live messages once {@link ReplayOutbox#start} is called
     * on the returned outbox (those arriving meanwhile are kept for it).
     */
    ReplayOutbox add(WebSocketConnection connection, UUID teamId) {
        ReplayOutbox outbox = new ReplayOutbox(
                text -> connection.sendText(text).subscribeAsCompletionStage(),
                () -> {
                    Log.infof("Replay watcher %s of team %s is too slow; closing it", connection.id(), teamId);
                    connection.close(TOO_SLOW).subscribe().with(ok -> {}, e -> {});
                },
                MAX_WAITING);
        byConnection.put(connection.id(), new Watcher(teamId, outbox));
        byTeam.compute(teamId, (k, set) -> {
            Set<ReplayOutbox> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(outbox);
            return s;
        });
        return outbox;
    }

    /** Forgets a closed connection. */
    void remove(WebSocketConnection connection) {
        Watcher w = byConnection.remove(connection.id());
        if (w == null) {
            return;
        }
        w.outbox().close();
        byTeam.computeIfPresent(w.teamId(), (k, set) -> {
            set.remove(w.outbox());
            return set.isEmpty() ? null : set;
        });
    }

    /** Hands {@code json} to every open connection of the team. */
    public void publish(UUID teamId, String json) {
        Set<ReplayOutbox> outboxes = byTeam.get(teamId);
        if (outboxes == null) {
            return;
        }
        for (ReplayOutbox outbox : outboxes) {
            outbox.offer(json);
        }
    }

    /** Open connections of the team on this node. */
    public int watching(UUID teamId) {
        Set<ReplayOutbox> outboxes = byTeam.get(teamId);
        return outboxes == null ? 0 : outboxes.size();
    }
}
