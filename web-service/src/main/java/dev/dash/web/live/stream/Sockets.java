package dev.dash.web.live.stream;

import io.quarkus.logging.Log;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.http.WebSocketBase;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Vert.x socket under a WebSockets Next connection. WebSockets Next (Quarkus 3.32) sends text only from a
 * {@code String} ({@code sendText}: a UTF-8 encoding, a {@code Uni} and a promise per call); writing one
 * pre-encoded frame to thousands of viewers needs the socket's {@code writeFrame}, which the connection keeps
 * behind a package-private accessor ({@code WebSocketConnectionBase.webSocket()}). It is reached once per
 * connection by reflection; when that fails (another Quarkus version) the viewer falls back to {@code sendText}
 * and a line is logged once.
 */
final class Sockets {
    private static final Map<Class<?>, Method> ACCESSORS = new ConcurrentHashMap<>();
    private static volatile boolean warned;

    private Sockets() {}

    static WebSocketBase of(WebSocketConnection connection) {
        try {
            Method m = ACCESSORS.computeIfAbsent(connection.getClass(), Sockets::accessor);
            return (WebSocketBase) m.invoke(connection);
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (!warned) {
                warned = true;
                Log.warnf("Live frames go through sendText: the connection's socket is not reachable (%s)", e);
            }
            return null;
        }
    }

    private static Method accessor(Class<?> type) {
        for (Class<?> k = type; k != null; k = k.getSuperclass()) {
            try {
                Method m = k.getDeclaredMethod("webSocket");
                if (WebSocketBase.class.isAssignableFrom(m.getReturnType())) {
                    m.setAccessible(true);
                    return m;
                }
            } catch (NoSuchMethodException e) {
                // Further up.
            }
        }
        throw new IllegalStateException("no webSocket() accessor on " + type.getName());
    }
}
