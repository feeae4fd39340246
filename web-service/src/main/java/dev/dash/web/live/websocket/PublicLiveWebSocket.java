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
        return access.link(connection.pathParam("token"))
                .flatMap(l -> {
                    if (l == null) {
                        return connection.close(LiveStreams.REVOKED);
                    }
                    streams.open(new Viewer(connection, l.teamId(), l.dashboardId(), null, l.tokenHash()));
                    return Uni.createFrom().voidItem();
                })
                .onFailure()
                .call(e -> connection.close(LiveStreams.REVOKED))
                .onFailure()
                .recoverWithNull()
                .replaceWithVoid();
    }

    @OnTextMessage
    @NonBlocking
    Uni<Void> message(WebSocketConnection connection, String text) {
        Viewer v = streams.viewer(connection.id());
        return v == null ? Uni.createFrom().voidItem() : messages.handle(v, text);
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
