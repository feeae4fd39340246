package dev.dash.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import java.io.IOException;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A steady, signed load as webhook producers send it: single events and NDJSON batches, spread over several
 * pipelines and, like a load balancer, over the ingestor nodes. Each delivery has its own delivery id
 * ({@code X-GitHub-Delivery}) and is retried, with the same id and body, on another node after a connection
 * failure or timeout and after the {@code Retry-After} of a 503 or 429, until it gets a 2xx or
 * {@link Options#giveUpAfter} passes. The event ids of every 2xx answer are the acknowledged events: Dash
 * promises each of them is stored once.
 */
final class LoadGenerator implements AutoCloseable {
    /** What the load looks like. */
    record Options(
            double requestsPerSecond,
            int senders,
            double batchShare,
            int batchLines,
            double largeShare,
            int largeBytes,
            Duration requestTimeout,
            Duration giveUpAfter,
            boolean retry) {}

    private static final SignatureSigner SIGNER = SignatureSigner.forPreset(PresetConfig.of(Preset.GITHUB));

    private final Options options;
    private final List<Fixture.Pipeline> pipelines;
    private final Supplier<List<String>> nodes;
    private final ClientLog log;
    private final HttpClient http;
    private final ExecutorService senders;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger roundRobin = new AtomicInteger();
    private volatile double rate;
    /** Acknowledged event id -> its pipeline. */
    final Map<UUID, UUID> acknowledged = new ConcurrentHashMap<>();

    final AtomicLong deliveries = new AtomicLong();
    final AtomicLong abandoned = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final Set<String> refusals = ConcurrentHashMap.newKeySet();

    LoadGenerator(Options options, List<Fixture.Pipeline> pipelines, Supplier<List<String>> nodes, ClientLog log) {
        this.options = options;
        this.pipelines = pipelines;
        this.nodes = nodes;
        this.log = log;
        this.rate = options.requestsPerSecond();
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.senders = Executors.newFixedThreadPool(options.senders(), r -> {
            Thread t = new Thread(r, "chaos-sender");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        for (int i = 0; i < options.senders(); i++) {
            senders.submit(this::sendLoop);
        }
    }

    /** Changes the offered rate (requests per second over all senders). */
    void rate(double requestsPerSecond) {
        this.rate = requestsPerSecond;
    }

    /** Stops sending new deliveries and waits for those being retried to end. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        senders.shutdown();
        if (!senders.awaitTermination(options.giveUpAfter().toSeconds() + 30, TimeUnit.SECONDS)) {
            senders.shutdownNow();
        }
    }

    /** The acknowledged event ids so far, per pipeline. */
    Map<UUID, Set<UUID>> snapshot() {
        Map<UUID, Set<UUID>> out = new java.util.HashMap<>();
        acknowledged.forEach((event, pipeline) ->
                out.computeIfAbsent(pipeline, k -> new java.util.HashSet<>()).add(event));
        return out;
    }

    private void sendLoop() {
        long next = System.nanoTime();
        while (running.get()) {
            double perSender = Math.max(0.01, rate / options.senders());
            next += (long) (1e9 / perSender);
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            } else if (wait < -1_000_000_000L) {
                next = System.nanoTime(); // behind after a long retry: do not burst to catch up
            }
            try {
                deliver();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                refusals.add("sender: " + e);
            }
        }
    }

    private void deliver() throws InterruptedException {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Fixture.Pipeline p = pipelines.get(rnd.nextInt(pipelines.size()));
        String delivery = UUID.randomUUID().toString();
        boolean large = rnd.nextDouble() < options.largeShare();
        boolean batch = !large && rnd.nextDouble() < options.batchShare();
        byte[] body = body(delivery, batch, large, rnd);
        String contentType = batch || large ? "application/x-ndjson" : "application/json";
        deliveries.incrementAndGet();
        long deadline = System.nanoTime() + options.giveUpAfter().toNanos();
        int attempt = 0;
        while (true) {
            attempt++;
            List<String> urls = nodes.get();
            String node = urls.get(Math.floorMod(roundRobin.getAndIncrement(), urls.size()));
            HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(node + "/ingest/" + p.id()))
                    .timeout(options.requestTimeout())
                    .header("content-type", contentType)
                    .header("x-github-event", "push")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            SIGNER.sign(body, SecretMaterial.of(p.secretId(), p.secret()), Instant.now(), delivery)
                    .forEach(rb::header);
            long waitMillis;
            try {
                HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
                String retryAfter = r.headers().firstValue("retry-after").orElse(null);
                int status = r.statusCode();
                if (status / 100 == 2) {
                    log.add(new ClientLog.Outcome(System.currentTimeMillis(), node, status, null, false, large));
                    JsonNode json = Json.parse(r.body());
                    for (JsonNode id : json.path("event_ids")) {
                        acknowledged.put(UUID.fromString(id.asText()), p.id());
                    }
                    return;
                }
                String error = errorOf(r.body());
                log.add(new ClientLog.Outcome(
                        System.currentTimeMillis(), node, status, error, retryAfter != null, large));
                if (status != 503 && status != 429 && status != 502 && status != 504) {
                    refused.incrementAndGet();
                    refusals.add(status + " " + r.body());
                    return; // a refusal for good: the producer would not retry it either
                }
                waitMillis = retryAfter != null ? seconds(retryAfter) * 1000 : backoff(attempt);
            } catch (HttpTimeoutException e) {
                log.add(new ClientLog.Outcome(System.currentTimeMillis(), node, 0, "timeout", false, large));
                waitMillis = backoff(attempt);
            } catch (IOException e) {
                log.add(new ClientLog.Outcome(System.currentTimeMillis(), node, 0, "no answer", false, large));
                waitMillis = backoff(attempt);
            }
            if (!options.retry() || System.nanoTime() + waitMillis * 1_000_000L > deadline) {
                abandoned.incrementAndGet();
                return;
            }
            Thread.sleep(waitMillis);
        }
    }

    private static long backoff(int attempt) {
        return Math.min(2000, 100L * (1L << Math.min(5, attempt - 1)));
    }

    private static long seconds(String retryAfter) {
        try {
            return Math.max(0, Math.min(10, Long.parseLong(retryAfter.trim())));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static String errorOf(String body) {
        try {
            return Json.parse(body).path("error").asText(null);
        } catch (IOException | RuntimeException e) {
            return body.isEmpty() ? "(empty body)" : "(not JSON)";
        }
    }

    private byte[] body(String delivery, boolean batch, boolean large, ThreadLocalRandom rnd) {
        if (!batch && !large) {
            return ("{\"cid\":\"" + delivery + "\",\"i\":0,\"v\":" + rnd.nextInt(1000) + "}")
                    .getBytes(StandardCharsets.UTF_8);
        }
        StringBuilder b = new StringBuilder();
        if (large) {
            // About largeBytes over lines of ~8 KiB each: a big NDJSON export, as some producers send.
            String pad = "x".repeat(8 * 1024);
            int lines = Math.max(1, options.largeBytes() / (pad.length() + 64));
            for (int i = 0; i < lines; i++) {
                b.append("{\"cid\":\"")
                        .append(delivery)
                        .append("\",\"i\":")
                        .append(i)
                        .append(",\"v\":")
                        .append(rnd.nextInt(1000))
                        .append(",\"pad\":\"")
                        .append(pad)
                        .append("\"}\n");
            }
        } else {
            int lines = 2 + rnd.nextInt(Math.max(1, options.batchLines() - 1));
            for (int i = 0; i < lines; i++) {
                b.append("{\"cid\":\"")
                        .append(delivery)
                        .append("\",\"i\":")
                        .append(i)
                        .append(",\"v\":")
                        .append(rnd.nextInt(1000))
                        .append("}\n");
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
