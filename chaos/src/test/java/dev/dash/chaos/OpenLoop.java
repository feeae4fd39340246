package dev.dash.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An open-loop load: requests are fired at a fixed rate whatever the answers (unlike {@link LoadGenerator},
 * whose senders wait for each answer and so slow down with the server), up to a bound of requests in flight
 * (beyond it a request is counted as not sent). No retries: each answer is logged as it comes. Used to offer
 * a node many times what it sustains.
 */
final class OpenLoop {
    private static final SignatureSigner SIGNER = SignatureSigner.forPreset(PresetConfig.of(Preset.GITHUB));

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final ClientLog log;
    private final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong notSent = new AtomicLong();
    final AtomicLong largeSent = new AtomicLong();
    /** Acknowledged event id -> pipeline. */
    final Map<UUID, UUID> acknowledged = new ConcurrentHashMap<>();

    OpenLoop(ClientLog log) {
        this.log = log;
    }

    /**
     * Fires {@code rate} requests per second for {@code duration} at the nodes (round-robin) and the pipelines
     * (at random), a {@code largeShare} of them NDJSON bodies of about {@code largeBytes}; then waits up to 30 s
     * for the answers still out.
     */
    void run(
            List<String> nodes,
            List<Fixture.Pipeline> pipelines,
            double rate,
            Duration duration,
            double largeShare,
            int largeBytes,
            int maxInFlight)
            throws InterruptedException {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long interval = (long) (1e9 / rate);
        long next = start;
        int i = 0;
        while (next < end) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            next += interval;
            if (inFlight.get() >= maxInFlight) {
                notSent.incrementAndGet();
                continue;
            }
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            boolean large = rnd.nextDouble() < largeShare;
            fire(nodes.get(i++ % nodes.size()), pipelines.get(rnd.nextInt(pipelines.size())), large, largeBytes);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private void fire(String node, Fixture.Pipeline p, boolean large, int largeBytes) {
        String delivery = UUID.randomUUID().toString();
        byte[] body = large ? largeBody(delivery, largeBytes) : smallBody(delivery);
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(node + "/ingest/" + p.id()))
                .timeout(Duration.ofSeconds(15))
                .header("content-type", large ? "application/x-ndjson" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        SIGNER.sign(body, SecretMaterial.of(p.secretId(), p.secret()), Instant.now(), delivery)
                .forEach(rb::header);
        inFlight.incrementAndGet();
        sent.incrementAndGet();
        if (large) {
            largeSent.incrementAndGet();
        }
        http.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
            inFlight.decrementAndGet();
            long now = System.currentTimeMillis();
            if (e != null) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                log.add(new ClientLog.Outcome(
                        now, node, 0, c instanceof HttpTimeoutException ? "timeout" : "no answer", false, large));
                return;
            }
            boolean retryAfter = r.headers().firstValue("retry-after").isPresent();
            if (r.statusCode() / 100 == 2) {
                log.add(new ClientLog.Outcome(now, node, r.statusCode(), null, false, large));
                try {
                    for (JsonNode id : Json.parse(r.body()).path("event_ids")) {
                        acknowledged.put(UUID.fromString(id.asText()), p.id());
                    }
                } catch (Exception ex) {
                    log.add(new ClientLog.Outcome(now, node, 0, "unreadable 2xx body", false, large));
                }
                return;
            }
            String error;
            try {
                error = Json.parse(r.body()).path("error").asText(null);
            } catch (Exception ex) {
                error = r.body().isEmpty() ? "(empty body)" : "(not JSON)";
            }
            log.add(new ClientLog.Outcome(now, node, r.statusCode(), error, retryAfter, large));
        });
    }

    private static byte[] smallBody(String delivery) {
        return ("{\"cid\":\"" + delivery + "\",\"i\":0,\"v\":"
                        + ThreadLocalRandom.current().nextInt(1000) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] largeBody(String delivery, int bytes) {
        String pad = "y".repeat(16 * 1024);
        StringBuilder b = new StringBuilder(bytes + 1024);
        int i = 0;
        while (b.length() < bytes) {
            b.append("{\"cid\":\"")
                    .append(delivery)
                    .append("\",\"i\":")
                    .append(i++)
                    .append(",\"v\":1,\"pad\":\"")
                    .append(pad)
                    .append("\"}\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
