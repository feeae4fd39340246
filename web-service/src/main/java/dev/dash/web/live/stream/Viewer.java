package dev.dash.web.live.stream;

import dev.dash.web.websocket.Outbox;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import java.util.UUID;

/**
 * One open live connection: whose it is (for the periodic access check) and the outbox of its current
 * subscription.
 */
public final class Viewer {
    final WebSocketConnection connection;
    final UUID teamId;
    final UUID dashboardId;
    /** The OIDC subject of a signed-in viewer, or null. */
    final String subject;
    /** The stored hash (hex) of the public token a public viewer came with, or null. */
    final String tokenHash;

    volatile long lastSeenNanos = System.nanoTime();
    /** Whether a pong ever came back: only then is silence taken as a half-open connection. */
    volatile boolean pongs;
    // Guarded by LiveStreams' per-viewer synchronisation.
    volatile DashboardStream stream;
    volatile Outbox outbox;

    public Viewer(WebSocketConnection connection, UUID teamId, UUID dashboardId, String subject, String tokenHash) {
        this.connection = connection;
        this.teamId = teamId;
        this.dashboardId = dashboardId;
        this.subject = subject;
        this.tokenHash = tokenHash;
    }

    /** Something was heard from the client (a message). */
    public void seen() {
        lastSeenNanos = System.nanoTime();
    }

    /** A pong came back from the client. */
    public void pong() {
        pongs = true;
        lastSeenNanos = System.nanoTime();
    }

    public WebSocketConnection connection() {
        return connection;
    }

    public String id() {
        return connection.id();
    }

    void close(CloseReason reason) {
        if (connection.isOpen()) {
            connection.close(reason).subscribe().with(ok -> {}, e -> {});
        }
    }

    boolean send(String json) {
        Outbox o = outbox;
        return o != null && o.offer(json);
    }
}
