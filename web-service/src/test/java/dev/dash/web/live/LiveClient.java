package dev.dash.web.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A live-protocol client over the JDK's WebSocket: records every frame with the time it arrived. A slow client
 * ({@link #connectSlow}) asks for no message after the first until {@link #drain}, so its socket fills up.
 */
final class LiveClient implements WebSocket.Listener {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(30);

    record Received(JsonNode frame, long nanos) {}

    final List<Received> frames = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final boolean slow;
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    private LiveClient(boolean slow) {
        this.slow = slow;
    }

    static LiveClient connect(URI uri, Map<String, String> headers) {
        return open(uri, headers, false);
    }

    static LiveClient connectSlow(URI uri, Map<String, String> headers) {
        return open(uri, headers, true);
    }

    private static LiveClient open(URI uri, Map<String, String> headers, boolean slow) {
        LiveClient c = new LiveClient(slow);
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
        headers.forEach(b::header);
        c.socket = b.buildAsync(uri, c).orTimeout(20, TimeUnit.SECONDS).join();
        return c;
    }

    /** The status an upgrade was refused with; fails when it was accepted. */
    static int refusal(URI uri, Map<String, String> headers) {
        try {
            LiveClient c = connect(uri, headers);
            c.close();
        } catch (CompletionException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof WebSocketHandshakeException h) {
                    return h.getResponse().statusCode();
                }
            }
            throw e;
        }
        throw new AssertionError("the upgrade to " + uri + " was accepted");
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                frames.add(new Received(JSON.readTree(partial.toString()), System.nanoTime()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            partial.setLength(0);
        }
        if (!slow) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
    }

    void send(String json) {
        socket.sendText(json, true).join();
    }

    void subscribe(String range) {
        send("{\"type\":\"subscribe\",\"range\":" + range + "}");
    }

    void resume(String range, String epoch, long seq) {
        send("{\"type\":\"subscribe\",\"range\":" + range + ",\"resume\":{\"epoch\":\"" + epoch + "\",\"seq\":" + seq
                + "}}");
    }

    /** A slow client starts reading everything. */
    void drain() {
        socket.request(Long.MAX_VALUE);
    }

    /** Drops the connection without a close handshake (a tab killed, a network gone). */
    void abort() {
        socket.abort();
    }

    void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS);
        }
        socket.abort();
    }

    List<JsonNode> all() {
        return frames.stream().map(Received::frame).toList();
    }

    List<JsonNode> of(String type) {
        return all().stream().filter(f -> f.path("type").asText().equals(type)).toList();
    }

    /** Waits for a frame matching {@code p}, and answers the first. */
    JsonNode await(Predicate<JsonNode> p) {
        Awaitility.await().atMost(WAIT).until(() -> all().stream().anyMatch(p));
        return all().stream().filter(p).findFirst().orElseThrow();
    }

    JsonNode awaitType(String type) {
        return await(f -> f.path("type").asText().equals(type));
    }

    long lastSeq() {
        List<JsonNode> all = all();
        long max = -1;
        for (JsonNode f : all) {
            if (f.has("seq")) {
                max = Math.max(max, f.path("seq").asLong());
            }
        }
        return max;
    }

    List<JsonNode> after(long seq) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode f : all()) {
            if (f.has("seq") && f.path("seq").asLong() > seq) {
                out.add(f);
            }
        }
        return out;
    }

    int closeCode() {
        Integer code = closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        assertThat(code).isNotNull();
        return code;
    }
}
