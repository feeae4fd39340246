package dev.dash.bench.ingest;

import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load generator for {@code POST /ingest/{pipeline}}: keeps {@code concurrency} requests in
 * flight over keep-alive connections, signs every request as GitHub would (HMAC-SHA256 of the exact body, a
 * fresh delivery id), and reports accepted events per second and the ack latency (p50, p99, max) of the
 * measured window after a warm-up. Every body is unique (a counter and the current time).
 *
 * <p>Arguments: {@code url pipelineId secretId secret mode(single|batch) batchSize concurrency warmupSeconds
 * measureSeconds label}.
 */
public final class LoadGenerator {
    private LoadGenerator() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String pipeline = args[1];
        SecretMaterial secret = SecretMaterial.of(args[2], args[3]);
        boolean batch = args[4].equals("batch");
        int batchSize = batch ? Integer.parseInt(args[5]) : 1;
        int concurrency = Integer.parseInt(args[6]);
        long warmup = TimeUnit.SECONDS.toNanos(Long.parseLong(args[7]));
        long measure = TimeUnit.SECONDS.toNanos(Long.parseLong(args[8]));
        String label = args[9];
        java.net.URI uri = java.net.URI.create(url);
        SignatureSigner signer = SignatureSigner.forPreset(PresetConfig.of(Preset.GITHUB));

        Vertx vertx = Vertx.vertx();
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setKeepAlive(true)
                        .setKeepAliveTimeout(CurrentRate.KEEP_ALIVE_SECONDS)
                        .setTcpNoDelay(true)
                        .setDefaultHost(uri.getHost())
                        .setDefaultPort(uri.getPort()),
                new PoolOptions().setHttp1MaxSize(concurrency));
        String path = "/ingest/" + pipeline;
        AtomicLong seq = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + warmup;
        long end = measureFrom + measure;
        long[] latencies = new long[8_000_000];
        AtomicLong recorded = new AtomicLong();
        AtomicLong acceptedEvents = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(concurrency);
        Runnable[] loop = new Runnable[1];
        loop[0] = () -> {
            long now = System.nanoTime();
            if (now >= end) {
                done.countDown();
                return;
            }
            byte[] body = readings(seq, batchSize, batch);
            Map<String, String> headers = signer.sign(body, secret, Instant.now(), null);
            RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setURI(path);
            headers.forEach(o::addHeader);
            o.addHeader("content-type", batch ? "application/x-ndjson" : "application/json");
            long sent = System.nanoTime();
            client.request(o)
                    .compose(req -> req.send(Buffer.buffer(body))
                            .compose(resp -> resp.body().map(x -> resp.statusCode())))
                    .onComplete(ar -> {
                        long t = System.nanoTime();
                        if (sent >= measureFrom && t <= end) {
                            if (ar.succeeded() && ar.result() / 100 == 2) {
                                acceptedEvents.addAndGet(batchSize);
                                long i = recorded.getAndIncrement();
                                if (i < latencies.length) {
                                    latencies[(int) i] = t - sent;
                                }
                            } else if (ar.succeeded()) {
                                refused.incrementAndGet();
                            } else {
                                errors.incrementAndGet();
                            }
                        }
                        loop[0].run();
                    });
        };
        for (int i = 0; i < concurrency; i++) {
            vertx.runOnContext(v -> loop[0].run());
        }
        done.await(measure + warmup + TimeUnit.SECONDS.toNanos(60), TimeUnit.NANOSECONDS);
        int n = (int) Math.min(recorded.get(), latencies.length);
        long[] l = Arrays.copyOf(latencies, n);
        Arrays.sort(l);
        double seconds = measure / 1e9;
        System.out.printf(
                "RESULT label=%s mode=%s batch=%d concurrency=%d events_per_s=%.0f requests_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f refused=%d errors=%d%n",
                label,
                batch ? "batch" : "single",
                batchSize,
                concurrency,
                acceptedEvents.get() / seconds,
                n / seconds,
                pct(l, 0.50),
                pct(l, 0.99),
                n == 0 ? 0 : l[n - 1] / 1e6,
                refused.get(),
                errors.get());
        client.close();
        vertx.close();
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static final String[] SITES = {"north", "south", "east", "west"};

    /**
     * {@code count} sensor readings, unique by {@code seq}, about 180 bytes each: one JSON object, or NDJSON lines
     * when {@code ndjson} (shared with {@link CurrentRate}, so both phases send the same events).
     */
    static byte[] readings(AtomicLong seq, int count, boolean ndjson) {
        StringBuilder b = new StringBuilder(count * 160);
        String ts = Instant.now().toString();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < count; i++) {
            long n = seq.incrementAndGet();
            b.append("{\"ts\":\"")
                    .append(ts)
                    .append("\",\"n\":")
                    .append(n)
                    .append(",\"device\":\"d-")
                    .append(n % 500)
                    .append("\",\"site\":\"")
                    .append(SITES[(int) (n & 3)])
                    .append("\",\"temp\":")
                    .append(Math.round(r.nextDouble(-10, 40) * 100) / 100.0)
                    .append(",\"hum\":")
                    .append(Math.round(r.nextDouble(0, 100) * 10) / 10.0)
                    .append(",\"firmware\":\"4.2.1\",\"status\":\"OK\"}");
            if (ndjson) {
                b.append('\n');
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
