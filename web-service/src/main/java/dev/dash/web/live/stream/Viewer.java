package dev.dash.web.live.stream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.VoidChannelPromise;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.impl.ContextInternal;
import java.util.ArrayDeque;
import java.util.List;
import java.util.UUID;

/**
 * One open live connection: whose it is (for the periodic access check), and how frames reach it.
 *
 * <p>Frames are encoded once per stream ({@link DashboardStream}) as whole WebSocket frames ({@link WireFrame}) and
 * the same bytes are written to every viewer, straight to the Netty channel under the WebSockets Next connection,
 * on the connection's own event loop ({@link Fanout} hands each event loop the frames for all its viewers; the
 * frames waiting for an event loop go out together, one flush per connection). So a frame costs per viewer one
 * channel write of a duplicate of the shared bytes, not a JSON encoding, a UTF-8 copy, a frame object, its
 * encoding, a {@code Uni}, a promise and a cross-thread hand-over. While the channel takes the frames (under
 * Netty's high-water mark) they go straight to it; otherwise they wait here, as references to the shared frames,
 * and a viewer with more than {@code limit} waiting is closed as too slow (1013).
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
    /**
     * The socket's Netty channel (the context of Vert.x's handler, last in the pipeline), or null when the socket
     * does not expose it (frames then go through {@link WebSocketBase#writeFrame}).
     */
    private final ChannelHandlerContext channel;
    /**
     * The promise of every channel write: nothing to complete, but a failed write is fired down the pipeline as an
     * exception, which closes the connection (WebSockets Next's {@code @OnError}: 1011, or DEBUG only for a
     * connection already gone), so the client reconnects and catches up. A frame that did not go out is never
     * silence on an open connection (before, such a failure was dropped: the viewer missed that frame, and if it
     * was its snapshot, had no data).
     */
    private final ChannelPromise quiet;
    /** The connection's event loop, or null when opened outside one (frames are then written from the caller). */
    final EventLoop loop;

    volatile long lastSeenNanos = System.nanoTime();
    /** Whether a pong ever came back: only then is silence taken as a half-open connection. */
    volatile boolean pongs;
    // Guarded by LiveStreams' per-viewer synchronisation.
    volatile DashboardStream stream;

    // The connection's writes, guarded by this viewer's monitor (uncontended: normally only its event loop).
    private ArrayDeque<WireFrame> waiting;
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
        this.channel = socket == null ? null : Sockets.channel(socket);
        this.quiet = channel == null ? null : new VoidChannelPromise(channel.channel(), true);
        Context context = Vertx.currentContext();
        // The channel's own event loop: writes from it go straight to the socket.
        this.loop = channel != null
                ? channel.channel().eventLoop()
                : context instanceof ContextInternal c ? c.nettyEventLoop() : null;
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

    /**
     * Writes pre-encoded frames in order (on the connection's event loop) and flushes once; frames the socket does
     * not take now (its send buffer over Netty's high-water mark) wait here. Answers false when the viewer no
     * longer takes frames (closed, gone or too slow).
     */
    synchronized boolean write(List<WireFrame> frames) {
        if (closed) {
            return false;
        }
        try {
            if (channel != null && (!channel.channel().isActive() || socket.isClosed())) {
                // Closed or closing (a close frame may be out): nothing after it. Its close callback unregisters it.
                stop();
                return false;
            }
            boolean wrote = false;
            for (WireFrame frame : frames) {
                if (closed) {
                    break;
                }
                wrote |= writeOrKeep(frame);
            }
            if (wrote && channel != null) {
                channel.flush();
            }
        } catch (IllegalStateException e) {
            // The socket closed meanwhile (Vert.x throws "WebSocket is closed"); its close callback unregisters it.
            stop();
        }
        return !closed;
    }

    /** One frame: written (not flushed) when the socket takes it, else kept; true when written. */
    private boolean writeOrKeep(WireFrame frame) {
        if ((waiting != null && !waiting.isEmpty()) || full()) {
            if (waiting == null) {
                waiting = new ArrayDeque<>();
            }
            if (waiting.size() >= limit) {
                closed = true;
                waiting = null;
                onSlow.run();
                return false;
            }
            waiting.addLast(frame);
            if (!drainSet && socket != null) {
                drainSet = true;
                socket.drainHandler(v -> drain());
            }
            return false;
        }
        send(frame);
        return true;
    }

    private boolean full() {
        if (channel != null) {
            return !channel.channel().isWritable();
        }
        return socket != null && socket.writeQueueFull();
    }

    /** Frames waiting, not counting those the socket took. */
    synchronized int waiting() {
        return waiting == null ? 0 : waiting.size();
    }

    private synchronized void drain() {
        try {
            boolean wrote = false;
            while (!closed && waiting != null && !waiting.isEmpty() && !full()) {
                send(waiting.pollFirst());
                wrote = true;
            }
            if (wrote && channel != null) {
                channel.flush();
            }
        } catch (IllegalStateException e) {
            stop();
        }
    }

    /** Writes one frame without flushing it (a channel write), or through Vert.x / WebSockets Next. */
    private void send(WireFrame frame) {
        if (channel != null) {
            // The whole WebSocket frame, encoded once for all viewers; the encoders on the way (WebSocket frames,
            // compression) only act on frame objects and pass bytes through. A failed write is fired down the
            // pipeline (see quiet) and closes the connection; its close callback unregisters the viewer.
            channel.write(frame.forWrite(), quiet);
        } else if (socket != null) {
            // The frame's bytes are a slice of the shared buffer: no copy, and Netty's release of it is a no-op.
            socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, frame.payload(), true))
                    .onComplete(written);
        } else {
            connection.sendText(frame.text()).subscribe().with(ok -> {}, e -> written(null));
        }
    }

    private void written(AsyncResult<Void> result) {
        if (result == null || result.failed()) {
            // The connection is gone; its close callback unregisters it.
            stop();
        }
    }
}
