package dev.dash.web.live.websocket;

import dev.dash.web.live.stream.LiveStreams;
import dev.dash.web.live.stream.Viewer;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * A live dashboard for signed-in users (docs/live.md): who may connect is decided on the upgrade by
 * {@link LiveUpgradeCheck}; frames come from the dashboard's shared stream once the client subscribes.
 */
@WebSocket(path = "/api/teams/{teamId}/dashboards/{dashboardId}/live", endpointId = LiveWebSocket.ID)
public class LiveWebSocket {
    static final String ID = "dash-dashboard-live";

    private final LiveStreams streams;
    private final LiveMessages messages;
    private final SecurityIdentity identity;

    public LiveWebSocket(LiveStreams streams, LiveMessages messages, SecurityIdentity identity) {
        this.streams = streams;
        this.messages = messages;
        this.identity = identity;
    }

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        String subject =
                identity != null && identity.getPrincipal() instanceof JsonWebToken jwt ? jwt.getSubject() : null;
        streams.open(new Viewer(
                connection,
                UUID.fromString(connection.pathParam("teamId")),
                UUID.fromString(connection.pathParam("dashboardId")),
                subject,
                null));
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

    /** A message over the size limit closes with 1009, logged at DEBUG; other failures at ERROR (LiveErrors). */
    @OnError
    @NonBlocking
    Uni<Void> error(WebSocketConnection connection, Throwable failure) {
        return LiveErrors.handle(connection, failure);
    }

    @OnClose
    @NonBlocking
    void close(WebSocketConnection connection) {
        streams.close(connection.id());
    }
}
