package dev.dash.web.live.websocket;

import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

/**
 * What the live endpoints do with a failure on a connection (their {@code @OnError}): a message beyond the server's
 * message limit ({@code quarkus.websockets-next.server.max-message-size}, Vert.x's 256 KiB by default) is the
 * client's mistake, answered with close code 1009 and logged at DEBUG only; a connection the client closed or reset
 * is logged at DEBUG too; anything else is this server's, logged at ERROR and closed with 1011 (what WebSockets Next's default {@code log-and-close} does, for every failure).
 */
final class LiveErrors {
    static final CloseReason TOO_BIG = new CloseReason(1009, "message too big");
    static final CloseReason SERVER_ERROR = new CloseReason(1011, "server error");

    private LiveErrors() {}

    static Uni<Void> handle(WebSocketConnection connection, Throwable failure) {
        if (tooBig(failure)) {
            Log.debugf(
                    "Live connection %s sent a message over the size limit: %s", connection.id(), failure.getMessage());
            return close(connection, TOO_BIG);
        }
        if (gone(failure)) {
            // The client went away (closed, reset): nothing to answer, and nothing wrong with this server. A
            // reconnect storm of 1,000 viewers logged 3,347 of these at ERROR before.
            Log.debugf("Live connection %s is gone: %s", connection.id(), failure.toString());
            return close(connection, SERVER_ERROR);
        }
        Log.errorf(failure, "Live connection %s failed; closing it", connection.id());
        return close(connection, SERVER_ERROR);
    }

    /** Vert.x reports an over-long message as this exception (WebSocketImplBase, text and binary frames alike). */
    static boolean tooBig(Throwable failure) {
        return failure instanceof IllegalStateException
                && failure.getMessage() != null
                && failure.getMessage().startsWith("Cannot process ")
                && failure.getMessage().contains("max message size");
    }

    /** The connection was closed or reset under the server: the client's doing (or the network's). */
    static boolean gone(Throwable failure) {
        return failure instanceof io.vertx.core.http.HttpClosedException || failure instanceof java.io.IOException;
    }

    private static Uni<Void> close(WebSocketConnection connection, CloseReason reason) {
        return connection.isClosed()
                ? Uni.createFrom().voidItem()
                : connection.close(reason).onFailure().recoverWithNull();
    }
}
