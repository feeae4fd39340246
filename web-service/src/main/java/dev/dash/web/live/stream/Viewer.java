package dev.dash.web.live.stream;

import io.netty.channel.EventLoop;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.impl.ContextInternal;
import java.util.ArrayDeque;
import java.util.UUID;

/**
 * One open live connection: whose it is (for the periodic access check), and how frames reach it.
 *
 * <p>Frames are encoded once per stream ({@link DashboardStream}) into a {@link Buffer} and the same bytes are
 * written to every viewer as a text frame, straight to the Vert.x socket under the WebSockets Next connection,
 * on the connection's own event loop (the stream hands each event loop one task per frame for all its viewers).
 * So a frame costs per viewer one socket write, not a JSON encoding, a UTF-8 copy, a {@code Uni} and a
 * cross-thread hand-over. While the socket takes the frames ({@link WebSocketBase#writeQueueFull()} false) they
 * go straight to it; otherwise they wait here, as references to the shared buffers, and a viewer with more than
 * {@code limit} waiting is closed as too slow (1013).
 */
public final class Viewer {
    final WebSocketConnection connection;
    final UUID teamId;
    final UUID dashboardId;
    /** The OIDC subject of a signed-in viewer, or null. */
    final String subject;
    /** The stored hash (hex) of the public token a public viewer came with, or null. */
    final String tokenHash;
    /** The connection's Vert.x socket, or null when it could not be reached (frames then go through sendText). */
    private final WebSocketBase socket;
    /** The connection's event loop, or null when opened outside one (frames are then written from the caller). */
    final EventLoop loop;

    volatile long lastSeenNanos = System.nanoTime();
    /** Whether a pong ever came back: only then is silence taken as a half-open connection. */
    volatile boolean pongs;
    // Guarded by LiveStreams' per-viewer synchronisation.
    volatile DashboardStream stream;

    // The connection's writes, guarded by this viewer's monitor (uncontended: normally only its event loop).
    private ArrayDeque<Buffer> waiting;
    private int limit;
    private Runnable onSlow;
    private boolean closed;
    private boolean drainSet;
    private final Handler<AsyncResult<Void>> written = this::written;

    public Viewer(WebSocketConnection connection, UUID teamId, UUID dashboardId, String subject, String tokenHash) {
        this.connection = connection;
        this.teamId = teamId;
        this.dashboardId = dashboardId;
        this.subject = subject;
        this.tokenHash = tokenHash;
        this.socket = Sockets.of(connection);
        Context context = Vertx.currentContext();
        this.loop = context instanceof ContextInternal c ? c.nettyEventLoop() : null;
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

    /** Starts a new subscription's writes: frames of the previous one still waiting are dropped. */
    synchronized void reset(int limit, Runnable onSlow) {
        this.limit = limit;
        this.onSlow = onSlow;
        this.closed = false;
        if (waiting != null) {
            waiting.clear();
        }
    }

    /** Stops writing (the viewer left its stream). */
    synchronized void stop() {
        closed = true;
        if (waiting != null) {
            waiting.clear();
        }
    }

    /** Runs {@code task} on the connection's event loop, after the tasks handed over before it. */
    void execute(Runnable task) {
        if (loop == null) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /** Writes one pre-encoded frame (on the connection's event loop), or keeps it while the socket is full. */
    synchronized void write(Buffer frame) {
        if (closed) {
            return;
        }
        try {
            writeOrKeep(frame);
        } catch (IllegalStateException e) {
            // The socket closed meanwhile (Vert.x throws "WebSocket is closed"); its close callback unregisters it.
            stop();
        }
    }

    private void writeOrKeep(Buffer frame) {
        if ((waiting != null && !waiting.isEmpty()) || (socket != null && socket.writeQueueFull())) {
            if (waiting == null) {
                waiting = new ArrayDeque<>();
            }
            if (waiting.size() >= limit) {
                closed = true;
                waiting = null;
                onSlow.run();
                return;
            }
            waiting.addLast(frame);
            if (!drainSet && socket != null) {
                drainSet = true;
                socket.drainHandler(v -> drain());
            }
            return;
        }
        send(frame);
    }

    /** Frames waiting, not counting those the socket took. */
    synchronized int waiting() {
        return waiting == null ? 0 : waiting.size();
    }

    private synchronized void drain() {
        try {
            while (!closed && waiting != null && !waiting.isEmpty() && !socket.writeQueueFull()) {
                send(waiting.pollFirst());
            }
        } catch (IllegalStateException e) {
            stop();
        }
    }

    private void send(Buffer frame) {
        if (socket != null) {
            // The frame's bytes are a slice of the shared buffer: no copy, and Netty's release of it is a no-op.
            socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, frame.getByteBuf(), true))
                    .onComplete(written);
        } else {
            connection.sendText(frame.toString()).subscribe().with(ok -> {}, e -> written(null));
        }
    }

    private void written(AsyncResult<Void> result) {
        if (result == null || result.failed()) {
            // The connection is gone; its close callback unregisters it.
            stop();
        }
    }
}
