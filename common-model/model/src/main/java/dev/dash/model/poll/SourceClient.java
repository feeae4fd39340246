package dev.dash.model.poll;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.poll.SourceSpec.ApiKey;
import dev.dash.model.poll.SourceSpec.Basic;
import dev.dash.model.poll.SourceSpec.Bearer;
import dev.dash.model.poll.SourceSpec.OAuth2ClientCredentials;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends a poll request and reads its answer, for the ingestor's poller and web-service's dry run. Built on
 * the service's own Vert.x HTTP client rather than the JDK's: every request connects to an address that
 * {@link UrlGuard} resolved and checked a moment before ({@link RequestOptions#setServer}), while the URL's
 * host name stays the {@code Host} header and the TLS server name, so a name that resolves to a private
 * address, first or later (DNS rebinding), is never reached. Responses are read up to a size cap, then the
 * connection is reset. OAuth 2 client-credentials tokens are cached until shortly before they expire and
 * fetched again after a {@code 401}. Blocking: call from a worker thread, never an event loop.
 */
public final class SourceClient implements AutoCloseable {
    private final HttpClient http;
    private final UrlGuard guard;
    private final Duration timeout;
    private final long maxBytes;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    private record Token(String value, Instant refreshAt) {}

    /**
     * A response.
     *
     * @param status the HTTP status
     * @param headers lower-case header names to their values
     * @param body the body
     * @param url the URL it answered
     */
    public record Response(int status, Map<String, List<String>> headers, byte[] body, URI url) {
        /** The first value of a header, or null. */
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    /**
     * @param vertx the service's Vert.x
     * @param guard the destination policy
     * @param connectTimeout the connect timeout
     * @param timeout the longest wait for a whole response
     * @param maxBytes the largest response body read
     */
    public SourceClient(Vertx vertx, UrlGuard guard, Duration connectTimeout, Duration timeout, long maxBytes) {
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) connectTimeout.toMillis())
                .setIdleTimeout((int) Math.max(1, timeout.toSeconds()))
                .setKeepAlive(true)
                .setMaxPoolSize(64)
                .setDecompressionSupported(true)
                .setVerifyHost(true));
        this.guard = guard;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
    }

    /**
     * Sends a page request with the source's authentication; a 2xx answer is returned, anything else thrown.
     *
     * @param spec the source
     * @param call the request
     * @return the 2xx response
     * @throws SourceException on any failure
     */
    public Response fetch(SourceSpec spec, Pager.Call call) {
        Response r = send(authorise(spec, call, false));
        if (r.status() == 401 && spec.auth() instanceof OAuth2ClientCredentials) {
            r = send(authorise(spec, call, true));
        }
        return check(r);
    }

    private static Response check(Response r) {
        if (r.status() >= 200 && r.status() < 300) {
            return r;
        }
        if (r.status() == 429) {
            Duration wait = retryAfter(r.header("retry-after"));
            throw new SourceException(
                    SourceException.Kind.RATE_LIMITED,
                    "429 Too Many Requests" + (wait == null ? "" : ", Retry-After " + wait.toSeconds() + " s"),
                    429,
                    wait);
        }
        String body = new String(r.body(), 0, Math.min(r.body().length, 200), StandardCharsets.UTF_8);
        throw new SourceException(
                SourceException.Kind.HTTP_STATUS,
                "HTTP " + r.status() + " from " + r.url().getHost() + ": " + body,
                r.status(),
                null);
    }

    /**
     * Reads {@code Retry-After}: seconds or an HTTP date.
     *
     * @param v the header value, or null
     * @return the wait, or null when absent or unreadable
     */
    public static Duration retryAfter(String v) {
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim())));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                Duration d = Duration.between(Instant.now(), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException e2) {
                return null;
            }
        }
    }

    private Pager.Call authorise(SourceSpec spec, Pager.Call call, boolean refresh) {
        Map<String, String> headers = new LinkedHashMap<>(call.headers());
        URI url = call.url();
        SourceSpec.Auth auth = spec.auth();
        if (auth instanceof Bearer b) {
            headers.put("Authorization", "Bearer " + b.token());
        } else if (auth instanceof Basic b) {
            headers.put(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            (b.username() + ":" + b.password()).getBytes(StandardCharsets.UTF_8)));
        } else if (auth instanceof ApiKey k) {
            if (k.inQuery()) {
                url = Pager.withQuery(url, Map.of(k.name(), k.value()));
            } else {
                headers.put(k.name(), k.value());
            }
        } else if (auth instanceof OAuth2ClientCredentials o) {
            headers.put("Authorization", "Bearer " + token(o, refresh));
        }
        return new Pager.Call(call.method(), url, headers, call.body());
    }

    private String token(OAuth2ClientCredentials o, boolean refresh) {
        String key = o.tokenUrl() + "|" + o.clientId() + "|" + o.scope() + "|"
                + o.clientSecret().hashCode();
        Token t = tokens.get(key);
        if (!refresh && t != null && Instant.now().isBefore(t.refreshAt())) {
            return t.value();
        }
        StringBuilder form = new StringBuilder("grant_type=client_credentials");
        form.append("&client_id=").append(URLEncoder.encode(o.clientId(), StandardCharsets.UTF_8));
        form.append("&client_secret=").append(URLEncoder.encode(o.clientSecret(), StandardCharsets.UTF_8));
        if (o.scope() != null) {
            form.append("&scope=").append(URLEncoder.encode(o.scope(), StandardCharsets.UTF_8));
        }
        Response r = send(new Pager.Call(
                "POST",
                o.tokenUrl(),
                Map.of("Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json"),
                form.toString().getBytes(StandardCharsets.UTF_8)));
        if (r.status() / 100 != 2) {
            throw new SourceException(
                    SourceException.Kind.AUTH,
                    "the OAuth token endpoint answered HTTP " + r.status(),
                    r.status(),
                    null);
        }
        JsonNode doc;
        try {
            doc = Json.parse(r.body());
        } catch (IOException e) {
            throw new SourceException(SourceException.Kind.AUTH, "the OAuth token response is not JSON");
        }
        String value = doc.path("access_token").asText(null);
        if (value == null || value.isEmpty()) {
            throw new SourceException(SourceException.Kind.AUTH, "the OAuth token response has no access_token");
        }
        long expiresIn = doc.path("expires_in").asLong(3600);
        // Refreshed a little before it expires (a tenth of its life, at most 60 s early).
        long early = Math.min(60, Math.max(1, expiresIn / 10));
        tokens.put(key, new Token(value, Instant.now().plusSeconds(Math.max(0, expiresIn - early))));
        return value;
    }

    /**
     * Sends one request as it is (no authentication added), to a checked address.
     *
     * @param call the request
     * @return the response, whatever its status
     * @throws SourceException on refusal, timeout, connection failure or an oversized body
     */
    public Response send(Pager.Call call) {
        URI url = call.url();
        guard.checkSyntax("source_config.url", url);
        boolean tls = "https".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() > 0 ? url.getPort() : (tls ? 443 : 80);
        InetAddress address;
        try {
            address = guard.resolve("source_config.url", url.getHost());
        } catch (SourceConfigException e) {
            throw new SourceException(SourceException.Kind.REFUSED, e.getMessage());
        } catch (UnknownHostException e) {
            throw new SourceException(SourceException.Kind.CONNECTION, "unknown host " + url.getHost());
        }
        String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        RequestOptions ro = new RequestOptions()
                .setMethod(HttpMethod.valueOf(call.method()))
                .setHost(url.getHost())
                .setPort(port)
                .setSsl(tls)
                .setURI(path)
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                .setIdleTimeout(timeout.toMillis())
                .setFollowRedirects(false);
        call.headers().forEach(ro::putHeader);
        CompletableFuture<Response> out = new CompletableFuture<>();
        CompletableFuture<HttpClientRequest> sent = new CompletableFuture<>();
        http.request(ro).onComplete(ar -> {
            if (ar.failed()) {
                out.completeExceptionally(ar.cause());
                return;
            }
            HttpClientRequest req = ar.result();
            sent.complete(req);
            req.send(call.body() == null ? Buffer.buffer() : Buffer.buffer(call.body()))
                    .onFailure(out::completeExceptionally)
                    .onSuccess(resp -> {
                        String declared = resp.getHeader("content-length");
                        if (declared != null) {
                            try {
                                if (Long.parseLong(declared.trim()) > maxBytes) {
                                    out.completeExceptionally(tooLarge());
                                    req.reset();
                                    return;
                                }
                            } catch (NumberFormatException ignored) {
                                // Read and counted below.
                            }
                        }
                        Buffer acc = Buffer.buffer();
                        resp.handler(b -> {
                            if (out.isDone()) {
                                return;
                            }
                            if (acc.length() + (long) b.length() > maxBytes) {
                                out.completeExceptionally(tooLarge());
                                req.reset();
                            } else {
                                acc.appendBuffer(b);
                            }
                        });
                        resp.exceptionHandler(out::completeExceptionally);
                        resp.endHandler(v -> {
                            Map<String, List<String>> headers = new LinkedHashMap<>();
                            resp.headers()
                                    .forEach(e -> headers.computeIfAbsent(
                                                    e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                                            .add(e.getValue()));
                            out.complete(new Response(resp.statusCode(), headers, acc.getBytes(), url));
                        });
                    });
        });
        try {
            return out.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            sent.thenAccept(HttpClientRequest::reset);
            throw new SourceException(
                    SourceException.Kind.TIMEOUT,
                    "no response from " + url.getHost() + " within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sent.thenAccept(HttpClientRequest::reset);
            throw new SourceException(SourceException.Kind.CONNECTION, "interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof SourceException s) {
                throw s;
            }
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            if (m.toLowerCase(Locale.ROOT).contains("timeout")
                    || m.toLowerCase(Locale.ROOT).contains("timed out")) {
                throw new SourceException(
                        SourceException.Kind.TIMEOUT, "request to " + url.getHost() + " timed out: " + m);
            }
            throw new SourceException(SourceException.Kind.CONNECTION, "request to " + url.getHost() + " failed: " + m);
        }
    }

    private SourceException tooLarge() {
        return new SourceException(SourceException.Kind.TOO_LARGE, "the response exceeds " + maxBytes + " bytes");
    }

    @Override
    public void close() {
        http.close();
    }
}
