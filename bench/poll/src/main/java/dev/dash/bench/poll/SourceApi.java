package dev.dash.bench.poll;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local stand-in for a polled third-party API (a Vert.x server on 127.0.0.1):
 *
 * <ul>
 *   <li>{@code GET /list/{listing}/{total}?cursor=c&limit=n}: records {@code c .. c+n-1} of a listing of
 *       {@code total} records, as {@code {"data": [...], "next": "<cursor>"}}, {@code next} missing on the last
 *       page (cursor pagination, {@code $.next} sent back as {@code cursor});
 *   <li>{@code GET /feed/{feed}?n=k}: {@code k} new records of that feed on every call (a feed that always has
 *       something new, as a frequently polled API has), after the configured answer delay.
 * </ul>
 */
final class SourceApi implements AutoCloseable {
    private final Vertx vertx;
    private final HttpServer server;
    private final Records records;
    private final long delayMs;
    private final ConcurrentHashMap<String, AtomicLong> feeds = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();

    SourceApi(Records records, long delayMs) throws Exception {
        this.records = records;
        this.delayMs = delayMs;
        this.vertx = Vertx.vertx();
        this.server = vertx.createHttpServer()
                .requestHandler(this::handle)
                .listen(0, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    /** Base URL, e.g. {@code http://127.0.0.1:40123}. */
    String url() {
        return "http://127.0.0.1:" + port();
    }

    long requests() {
        return requests.get();
    }

    private void handle(HttpServerRequest req) {
        requests.incrementAndGet();
        String[] parts = req.path().split("/");
        try {
            if (parts.length == 4 && parts[1].equals("list")) {
                String listing = parts[2];
                long total = Long.parseLong(parts[3]);
                String c = req.getParam("cursor");
                long from = c == null || c.isEmpty() ? 0 : Long.parseLong(c);
                long limit = Long.parseLong(req.getParam("limit", "100"));
                long to = Math.min(total, from + limit);
                StringBuilder b = new StringBuilder((int) (limit * 180) + 64);
                b.append("{\"data\":[");
                for (long k = from; k < to; k++) {
                    if (k > from) {
                        b.append(',');
                    }
                    records.append(b, listing, k);
                }
                b.append(']');
                if (to < total) {
                    b.append(",\"next\":\"").append(to).append('"');
                }
                b.append('}');
                answer(req, b.toString(), 0);
            } else if (parts.length == 3 && parts[1].equals("feed")) {
                String feed = parts[2];
                int n = Integer.parseInt(req.getParam("n", "1"));
                long first = feeds.computeIfAbsent(feed, f -> new AtomicLong()).getAndAdd(n);
                StringBuilder b = new StringBuilder(n * 180 + 16);
                b.append("{\"data\":[");
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    records.append(b, feed, first + i);
                }
                b.append("]}");
                answer(req, b.toString(), delayMs);
            } else {
                req.response().setStatusCode(404).end();
            }
        } catch (RuntimeException e) {
            req.response().setStatusCode(400).end(String.valueOf(e.getMessage()));
        }
    }

    private void answer(HttpServerRequest req, String body, long delay) {
        Runnable send = () ->
                req.response().putHeader("content-type", "application/json").end(body);
        if (delay > 0) {
            vertx.setTimer(delay, t -> send.run());
        } else {
            send.run();
        }
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
