package dev.dash.web.live.websocket;

import dev.dash.model.api.ApiException;
import dev.dash.web.live.access.PublicLinks;
import dev.dash.web.live.stream.LiveStreams;
import dev.dash.web.live.stream.Viewer;
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
    private final PublicLinks links;

    public PublicLiveWebSocket(LiveStreams streams, LiveMessages messages, PublicLinks links) {
        this.streams = streams;
        this.messages = messages;
        this.links = links;
    }

    @OnOpen
    Uni<Void> open(WebSocketConnection connection) {
        String token = connection.pathParam("token");
        // The upgrade check has just looked the link up: remembered by PublicLinks, no query of its own.
        return links.dashboard(token)
                .invoke(d -> streams.open(new Viewer(connection, d.teamId(), d.id(), null, PublicLinks.hash(token))))
                .onFailure()
                // Revoked or expired since the upgrade check: 4403. A lookup that failed otherwise (the database
                // unreachable for a moment) is no verdict on the link: 1013, so the client reconnects.
                .call(e -> connection.close(e instanceof ApiException ? LiveStreams.REVOKED : LiveStreams.UNAVAILABLE))
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
