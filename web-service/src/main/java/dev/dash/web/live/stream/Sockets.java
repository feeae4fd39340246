package dev.dash.web.live.stream;

import io.netty.channel.ChannelHandlerContext;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.impl.WebSocketInternal;
import java.lang.reflect.Field;
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
    private static final Map<Class<?>, Field> DELEGATES = new ConcurrentHashMap<>();
    private static volatile boolean warned;
    private static volatile boolean channelWarned;

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

    /**
     * The Netty channel context under a Vert.x socket, or null. Quarkus hands WebSockets Next a Vert.x-Web
     * {@code ServerWebSocketWrapper}, which does not expose it: the wrapped socket (its {@code delegate} field, read
     * once per class) does, as {@link WebSocketInternal#channelHandlerContext()}.
     */
    static ChannelHandlerContext channel(WebSocketBase socket) {
        WebSocketBase s = socket;
        for (int i = 0; i < 3 && s != null && !(s instanceof WebSocketInternal); i++) {
            try {
                Field f = DELEGATES.computeIfAbsent(s.getClass(), Sockets::delegate);
                s = f == null ? null : (WebSocketBase) f.get(s);
            } catch (ReflectiveOperationException | RuntimeException e) {
                s = null;
            }
        }
        if (s instanceof WebSocketInternal w) {
            return w.channelHandlerContext();
        }
        if (!channelWarned) {
            channelWarned = true;
            Log.warnf("Live frames go through writeFrame: the channel of %s is not reachable", socket.getClass());
        }
        return null;
    }

    private static Field delegate(Class<?> type) {
        for (Class<?> k = type; k != null; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (f.getName().equals("delegate") && WebSocketBase.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    return f;
                }
            }
        }
        return null;
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
