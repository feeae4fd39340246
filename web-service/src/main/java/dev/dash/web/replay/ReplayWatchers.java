package dev.dash.web.replay;

import dev.dash.web.websocket.Outbox;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open replay connections of this node, by team, and the fan-out of {@code dash.replays} messages to
 * them. Handing a message over never waits for a connection: each has its own {@link Outbox}.
 */
@ApplicationScoped
public class ReplayWatchers {
    /** Messages one connection may have waiting before it is closed as too slow. */
    static final int MAX_WAITING = 1000;
    /** "Try again later": the client should reconnect, and gets the open replays again. */
    static final CloseReason TOO_SLOW = new CloseReason(1013, "too slow to keep up; reconnect");

    private record Watcher(UUID teamId, Outbox outbox) {}

    private final Map<String, Watcher> byConnection = new ConcurrentHashMap<>();
    private final Map<UUID, Set<Outbox>> byTeam = new ConcurrentHashMap<>();
    private final Event<ReplayMessage> messages;

    /**
     * A {@code dash.replays} message as it was read, for other observers on this node (the live dashboards
     * draw replay annotations from it).
     */
    public record ReplayMessage(UUID teamId, String json) {}

    public ReplayWatchers(Event<ReplayMessage> messages) {
        this.messages = messages;
    }

    /**
     * Registers a connection of the team; it receives live messages once {@link Outbox#start} is called
     * on the returned outbox (those arriving meanwhile are kept for it).
     */
    Outbox add(WebSocketConnection connection, UUID teamId) {
        Outbox outbox = new Outbox(
                text -> connection.sendText(text).subscribeAsCompletionStage(),
                () -> {
                    Log.infof("Replay watcher %s of team %s is too slow; closing it", connection.id(), teamId);
                    connection.close(TOO_SLOW).subscribe().with(ok -> {}, e -> {});
                },
                MAX_WAITING);
        byConnection.put(connection.id(), new Watcher(teamId, outbox));
        byTeam.compute(teamId, (k, set) -> {
            Set<Outbox> s = set == null ? ConcurrentHashMap.newKeySet() : set;
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

    /** Hands {@code json} to every open connection of the team, and to the observers of {@link ReplayMessage}. */
    public void publish(UUID teamId, String json) {
        messages.fire(new ReplayMessage(teamId, json));
        Set<Outbox> outboxes = byTeam.get(teamId);
        if (outboxes == null) {
            return;
        }
        for (Outbox outbox : outboxes) {
            outbox.offer(json);
        }
    }

    /** Open connections of the team on this node. */
    public int watching(UUID teamId) {
        Set<Outbox> outboxes = byTeam.get(teamId);
        return outboxes == null ? 0 : outboxes.size();
    }
}
