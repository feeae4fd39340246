package dev.dash.web.live.websocket;

import dev.dash.web.live.access.LiveAccess;
import dev.dash.web.live.stream.LiveStreams;
import dev.dash.web.live.stream.Viewer;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;

/**
 * A public dashboard, live, by its link's token (docs/live.md): read-only, checked on the upgrade by
 * {@link PublicLiveUpgradeCheck}; a token revoked or expired later closes the connection with 4403 within the
 * access-check interval.
 */
@WebSocket(path = "/public/dashboards/{token}/live", endpointId = PublicLiveWebSocket.ID)
public class PublicLiveWebSocket {
    static final String ID = "dash-public-dashboard-live";

    private final LiveStreams streams;
    private final LiveMessages messages;
    private final LiveAccess access;

    public PublicLiveWebSocket(LiveStreams streams, LiveMessages messages, LiveAccess access) {
        this.streams = streams;
        this.messages = messages;
        this.access = access;
    }

    /** The link the upgrade check just looked up, remembered by {@link LiveAccess}: no query of its own. */
    @OnOpen
    @NonBlocking
    Uni<Void> open(WebSocketConnection connection) {
        return viewer(connection)
                .flatMap(v -> v == null
                        ? connection.close(LiveStreams.REVOKED)
                        : Uni.createFrom().voidItem())
                .onFailure()
                .call(e -> connection.close(LiveStreams.REVOKED))
                .onFailure()
                .recoverWithNull()
                .replaceWithVoid();
    }

    /**
     * A message that comes while the open is still looking up the link (its answer expired between the upgrade
     * and the open, and is being read again) is not dropped: it waits for the same lookup.
     */
    @OnTextMessage
    @NonBlocking
    Uni<Void> message(WebSocketConnection connection, String text) {
        return viewer(connection)
                .flatMap(v -> v == null ? Uni.createFrom().voidItem() : messages.handle(v, text))
                .onFailure()
                .recoverWithNull()
                .replaceWithVoid();
    }

    /** The connection's viewer, registered on first use; null when its link is no longer valid. */
    private Uni<Viewer> viewer(WebSocketConnection connection) {
        Viewer known = streams.viewer(connection.id());
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return access.link(connection.pathParam("token"))
                .map(l -> l == null
                        ? null
                        : streams.openIfAbsent(
                                new Viewer(connection, l.teamId(), l.dashboardId(), null, l.tokenHash())));
    }

    @OnPongMessage
    @NonBlocking
    void pong(WebSocketConnection connection, Buffer data) {
        Viewer v = streams.viewer(connection.id());
        if (v != null) {
            v.pong();
        }
    }

    @OnClose
    @NonBlocking
    void close(WebSocketConnection connection) {
        streams.close(connection.id());
    }
}
