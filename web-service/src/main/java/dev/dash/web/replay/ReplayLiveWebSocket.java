package dev.dash.web.replay;

import dev.dash.web.websocket.Outbox;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.UUID;

/**
 * Live progress and state of a team's replays (docs/api.md, "Live replays"). Who may connect is decided on
 * the HTTP upgrade by {@link ReplayUpgradeCheck}. On connecting, a watcher gets the team's open replays from
 * the database, then every {@code dash.replays} message of the team as replay-service published it.
 * Messages from the client are ignored.
 */
@WebSocket(path = "/api/teams/{teamId}/replays/live", endpointId = ReplayLiveWebSocket.ID)
public class ReplayLiveWebSocket {
    static final String ID = "dash-replays-live";

    private final ReplayWatchers watchers;
    private final OpenReplays openReplays;

    public ReplayLiveWebSocket(ReplayWatchers watchers, OpenReplays openReplays) {
        this.watchers = watchers;
        this.openReplays = openReplays;
    }

    @OnOpen
    Uni<Void> open(WebSocketConnection connection) {
        // Registered before the snapshot is read, so nothing published meanwhile is missed; the outbox holds
        // it until the snapshot has gone out.
        UUID teamId = ReplayUpgradeCheck.teamId(connection.pathParam("teamId"));
        Outbox outbox = watchers.add(connection, teamId);
        return openReplays
                .of(teamId)
                .onFailure()
                .recoverWithItem(e -> {
                    Log.warnf("Open replays of team %s not read for a new watcher: %s", teamId, e.toString());
                    return List.of();
                })
                .invoke(outbox::start)
                .replaceWithVoid();
    }

    @OnClose
    @NonBlocking
    void close(WebSocketConnection connection) {
        watchers.remove(connection);
    }
}
