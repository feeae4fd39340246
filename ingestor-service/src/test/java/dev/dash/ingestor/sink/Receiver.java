package dev.dash.ingestor.sink;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A local HTTP receiver standing in for a customer's webhook endpoint or Slack: records every request and
 * answers what the test scripted for its path (200 by default).
 */
final class Receiver implements AutoCloseable {
    /** One request as received. */
    record Request(String path, Map<String, String> headers, byte[] body, long receivedNanos, long receivedMillis) {
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** An answer: status, headers, body, and how long to wait before it. */
    record Answer(int status, Map<String, String> headers, String body, long delayMillis) {
        static Answer of(int status) {
            return new Answer(status, Map.of(), "", 0);
        }
    }

    private final HttpServer server;
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Function<Request, Answer>> scripts = new ConcurrentHashMap<>();

    Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, String> headers = new java.util.HashMap<>();
            exchange.getRequestHeaders()
                    .forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
            String path = exchange.getRequestURI().getPath();
            Request r = new Request(path, headers, body, System.nanoTime(), System.currentTimeMillis());
            requests.add(r);
            Answer a = scripts.getOrDefault(path, x -> Answer.of(200)).apply(r);
            if (a.delayMillis() > 0) {
                try {
                    Thread.sleep(a.delayMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            try {
                exchange.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
                if (out.length > 0) {
                    try (OutputStream o = exchange.getResponseBody()) {
                        o.write(out);
                    }
                }
            } catch (IOException ignored) {
                // The sender gave up (timeout): nothing to answer.
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** The URL of a path on this receiver. */
    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    void script(String path, Function<Request, Answer> answer) {
        scripts.put(path, answer);
    }

    List<Request> at(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
