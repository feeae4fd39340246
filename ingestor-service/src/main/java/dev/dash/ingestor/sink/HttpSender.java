package dev.dash.ingestor.sink;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.OptionalLong;

/**
 * POSTs a delivery: only to destinations the {@link DestinationGuard} allows, never following redirects (a
 * redirect could lead inside), within a connect and a response timeout, reading at most {@code maxResponse}
 * bytes of the answer. 2xx is delivered, 410 is gone, anything else failed.
 */
public final class HttpSender {
    private final HttpClient client;
    private final DestinationGuard guard;
    private final Duration requestTimeout;
    private final int maxResponse;
    private final int logResponse;

    public HttpSender(
            DestinationGuard guard,
            Duration connectTimeout,
            Duration requestTimeout,
            int maxResponse,
            int logResponse) {
        this.client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.guard = guard;
        this.requestTimeout = requestTimeout;
        this.maxResponse = maxResponse;
        this.logResponse = logResponse;
    }

    /** Posts {@code body} as JSON with the given headers. */
    public AttemptResult post(URI uri, Map<String, String> headers, byte[] body) {
        String refusal = guard.refusal(uri);
        if (refusal != null) {
            return new AttemptResult(AttemptResult.Outcome.REFUSED, null, null, refusal, 0, OptionalLong.empty());
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Dash-Sinks/1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::setHeader);
        long start = System.nanoTime();
        try {
            HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            byte[] head;
            try (InputStream in = r.body()) {
                head = in.readNBytes(maxResponse);
            }
            long latency = (System.nanoTime() - start) / 1_000_000;
            int code = r.statusCode();
            String text = new String(head, 0, Math.min(head.length, logResponse), StandardCharsets.UTF_8);
            AttemptResult.Outcome outcome = code >= 200 && code < 300
                    ? AttemptResult.Outcome.DELIVERED
                    : code == 410 ? AttemptResult.Outcome.GONE : AttemptResult.Outcome.FAILED;
            return new AttemptResult(
                    outcome,
                    code,
                    text,
                    outcome == AttemptResult.Outcome.DELIVERED ? null : "HTTP " + code,
                    latency,
                    retryAfter(r.headers().firstValue("Retry-After").orElse(null)));
        } catch (HttpTimeoutException e) {
            return AttemptResult.failed("timed out: " + e.getMessage(), (System.nanoTime() - start) / 1_000_000);
        } catch (IOException e) {
            return AttemptResult.failed(e.toString(), (System.nanoTime() - start) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AttemptResult.failed("interrupted", (System.nanoTime() - start) / 1_000_000);
        }
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
