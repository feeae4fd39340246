package dev.dash.ingestor.sink;

import dev.dash.model.poll.SourceConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * POSTs a delivery: only to destinations the {@link DestinationGuard} allows, never following redirects (a
 * redirect could lead inside), within a connect and a response timeout, reading at most {@code maxResponse}
 * bytes of the answer. 2xx is delivered, 410 is gone, anything else failed. The connection goes to the address
 * the guard resolved and checked for this very attempt ({@link RequestOptions#setServer}); the URL's host stays
 * the {@code Host} header and the TLS server name, so a name re-pointed at an inside address between check and
 * connect (DNS rebinding) reaches nothing. Blocking: called on the delivery workers' threads.
 */
public final class HttpSender {
    private final HttpClient client;
    private final DestinationGuard guard;
    private final Duration requestTimeout;
    private final int maxResponse;
    private final int logResponse;

    public HttpSender(
            Vertx vertx,
            DestinationGuard guard,
            Duration connectTimeout,
            Duration requestTimeout,
            int maxResponse,
            int logResponse) {
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) connectTimeout.toMillis())
                .setKeepAlive(true)
                .setMaxPoolSize(64)
                .setVerifyHost(true));
        this.guard = guard;
        this.requestTimeout = requestTimeout;
        this.maxResponse = maxResponse;
        this.logResponse = logResponse;
    }

    /** Posts {@code body} as JSON with the given headers. */
    public AttemptResult post(URI uri, Map<String, String> headers, byte[] body) {
        String refusal = guard.refusal(uri);
        InetAddress address = null;
        if (refusal == null) {
            try {
                address = guard.address(uri);
            } catch (SourceConfigException e) {
                refusal = e.getMessage() + " (see dash.sinks.http.allowed-destinations)";
            } catch (UnknownHostException e) {
                return AttemptResult.failed("unknown host " + uri.getHost(), 0);
            }
        }
        if (refusal != null) {
            return new AttemptResult(AttemptResult.Outcome.REFUSED, null, null, refusal, 0, OptionalLong.empty());
        }
        boolean tls = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : (tls ? 443 : 80);
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        RequestOptions ro = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(uri.getHost())
                .setPort(port)
                .setSsl(tls)
                .setURI(path)
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                .setTimeout(requestTimeout.toMillis())
                .setFollowRedirects(false)
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "Dash-Sinks/1");
        headers.forEach(ro::putHeader);
        long start = System.nanoTime();
        CompletableFuture<AttemptResult> out = new CompletableFuture<>();
        CompletableFuture<HttpClientRequest> sent = new CompletableFuture<>();
        client.request(ro).onFailure(out::completeExceptionally).onSuccess(req -> {
            sent.complete(req);
            req.send(Buffer.buffer(body)).onFailure(out::completeExceptionally).onSuccess(resp -> {
                Buffer head = Buffer.buffer();
                resp.handler(b -> {
                    int room = maxResponse - head.length();
                    if (room > 0) {
                        head.appendBuffer(b.length() <= room ? b : b.slice(0, room));
                    }
                });
                resp.exceptionHandler(out::completeExceptionally);
                resp.endHandler(
                        v -> out.complete(result(resp.statusCode(), head, resp.getHeader("Retry-After"), start)));
            });
        });
        try {
            return out.get(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            sent.thenAccept(HttpClientRequest::reset);
            return AttemptResult.failed("timed out after " + requestTimeout.toMillis() + " ms", millisSince(start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sent.thenAccept(HttpClientRequest::reset);
            return AttemptResult.failed("interrupted", millisSince(start));
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            String prefix = m.toLowerCase(Locale.ROOT).contains("timeout") ? "timed out: " : "";
            return AttemptResult.failed(prefix + c.getClass().getName() + ": " + m, millisSince(start));
        }
    }

    private AttemptResult result(int code, Buffer head, String retryAfter, long start) {
        byte[] bytes = head.getBytes();
        String text = new String(bytes, 0, Math.min(bytes.length, logResponse), StandardCharsets.UTF_8);
        AttemptResult.Outcome outcome = code >= 200 && code < 300
                ? AttemptResult.Outcome.DELIVERED
                : code == 410 ? AttemptResult.Outcome.GONE : AttemptResult.Outcome.FAILED;
        return new AttemptResult(
                outcome,
                code,
                text,
                outcome == AttemptResult.Outcome.DELIVERED ? null : "HTTP " + code,
                millisSince(start),
                retryAfter(retryAfter));
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** {@code Retry-After} as delay-seconds or an HTTP date, in milliseconds from now. */
    static OptionalLong retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return OptionalLong.empty();
        }
        String v = value.strip();
        try {
            return OptionalLong.of(Math.max(0, Long.parseLong(v)) * 1000);
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                return OptionalLong.of(Math.max(0, at.toInstant().toEpochMilli() - System.currentTimeMillis()));
            } catch (RuntimeException ignored) {
                return OptionalLong.empty();
            }
        }
    }
}
