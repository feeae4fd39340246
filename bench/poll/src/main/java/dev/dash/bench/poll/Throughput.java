package dev.dash.bench.poll;

import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records/s through the packaged ingestor by both paths, in the same run, round after round (the order
 * alternating, so neither path always meets a warmer or a busier machine):
 *
 * <ul>
 *   <li><b>poll</b>: {@code P} polling pipelines, each paginating its own listing of {@code R} records on the
 *       local API ({@code PAGE} per page, cursor pagination, {@code dedupe_key} the record's id), all made due
 *       at once;
 *   <li><b>webhook</b>: {@code P} realtime pipelines (GitHub-signed), each sent the same listing as NDJSON
 *       bodies of {@code PAGE} records, one connection per pipeline, one request after another.
 * </ul>
 *
 * Both paths first run once unmeasured with a tenth of the records (warm-up). Two times per phase: until every record is acknowledged on {@code dash.raw} (the last run finished / the last
 * 2xx), and until every record's rows are in Silver ({@code dash_silver_rows_total}); the row count is then
 * checked in the database (each record exactly once).
 */
final class Throughput {
    private final Env env;
    private final BenchDb db;
    private final Probe probe;
    private final int pipelines = Env.integer("PIPELINES", 8);
    private int perPipeline = Env.integer("RECORDS", 5_000);
    private final int page = Env.integer("PAGE", 100);
    private final int rounds = Env.integer("ROUNDS", 2);
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> refusals =
            new java.util.concurrent.ConcurrentHashMap<>();

    Throughput(Env env, BenchDb db, Probe probe) {
        this.env = env;
        this.db = db;
        this.probe = probe;
    }

    record Phase(String path, long records, double acceptSeconds, double silverSeconds) {
        double acceptRate() {
            return records / acceptSeconds;
        }

        double silverRate() {
            return records / silverSeconds;
        }
    }

    void run() throws Exception {
        Records records =
                new Records(Instant.now().minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        List<Phase> polls = new ArrayList<>();
        List<Phase> hooks = new ArrayList<>();
        try (SourceApi api = new SourceApi(records, 0)) {
            UUID team = db.team();
            // Unmeasured: both paths once with a tenth of the records, so that neither measured phase pays for
            // the JIT, the connection pools and the producers' first batches.
            int measured = perPipeline;
            perPipeline = Math.max(page, measured / 10);
            webhook(team, records, "warm-" + UUID.randomUUID().toString().substring(0, 8));
            poll(team, api, "warm-" + UUID.randomUUID().toString().substring(0, 8));
            perPipeline = measured;
            for (int round = 1; round <= rounds; round++) {
                String prefix = "r" + round + "-" + UUID.randomUUID().toString().substring(0, 8);
                boolean webhookFirst = round % 2 == 1;
                for (int i = 0; i < 2; i++) {
                    Phase p = (i == 0) == webhookFirst ? webhook(team, records, prefix) : poll(team, api, prefix);
                    (p.path().equals("poll") ? polls : hooks).add(p);
                    System.out.printf(
                            "RESULT part=throughput round=%d path=%s records=%d accept_s=%.2f records_per_s=%.0f"
                                    + " silver_s=%.2f silver_records_per_s=%.0f load=%s%n",
                            round,
                            p.path(),
                            p.records(),
                            p.acceptSeconds(),
                            p.acceptRate(),
                            p.silverSeconds(),
                            p.silverRate(),
                            Probe.load());
                }
            }
        }
        // Their next slots fall within the hour: paused, they do not poll their listings again during the
        // schedule part.
        try (Connection c = db.connect()) {
            BenchDb.exec(c, "UPDATE pipelines SET status = 'paused' WHERE type = 'polling'");
        }
        double pollAccept = 0;
        double hookAccept = 0;
        double pollSilver = 0;
        double hookSilver = 0;
        for (int i = 0; i < rounds; i++) {
            pollAccept += polls.get(i).acceptSeconds();
            hookAccept += hooks.get(i).acceptSeconds();
            pollSilver += polls.get(i).silverSeconds();
            hookSilver += hooks.get(i).silverSeconds();
        }
        StringBuilder perRound = new StringBuilder();
        for (int i = 0; i < rounds; i++) {
            perRound.append(i == 0 ? "" : ",")
                    .append(String.format(
                            "%.2f", hooks.get(i).acceptSeconds() / polls.get(i).acceptSeconds()));
        }
        System.out.println("RESULT part=throughput poll/webhook ratio per round (accept): " + perRound);
        long n = polls.get(0).records() * rounds;
        System.out.printf(
                "RESULT part=throughput summary pipelines=%d records_per_pipeline=%d page=%d rounds=%d"
                        + " poll_records_per_s=%.0f webhook_records_per_s=%.0f ratio=%.2f"
                        + " poll_silver_records_per_s=%.0f webhook_silver_records_per_s=%.0f silver_ratio=%.2f%n",
                pipelines,
                perPipeline,
                page,
                rounds,
                n / pollAccept,
                n / hookAccept,
                hookAccept / pollAccept,
                n / pollSilver,
                n / hookSilver,
                hookSilver / pollSilver);
    }

    private Phase poll(UUID team, SourceApi api, String prefix) throws Exception {
        List<String> configs = new ArrayList<>();
        for (int k = 0; k < pipelines; k++) {
            configs.add(("{\"url\":\"%s/list/%s-L%d/%d\",\"query\":{\"limit\":\"%d\"},\"records\":\"$.data[*]\","
                            + "\"pagination\":{\"type\":\"cursor\",\"cursor_path\":\"$.next\",\"param\":\"cursor\"},"
                            + "\"dedupe_key\":\"$.id\",\"max_pages\":%d}")
                    .formatted(api.url(), prefix, k, perPipeline, page, perPipeline / page + 2));
        }
        List<UUID> ids = db.pollingPipelines(team, 3600, configs);
        double rows0 = probe.metric("dash_silver_rows_total");
        long t0 = System.nanoTime();
        double accept;
        try (Connection c = db.connect()) {
            Array a = c.createArrayOf("uuid", ids.toArray());
            Instant dbStart;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE poll_state SET next_poll_at = now() WHERE pipeline_id = ANY(?) RETURNING now()")) {
                ps.setArray(1, a);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    dbStart = rs.getTimestamp(1).toInstant();
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FILTER (WHERE last_finished_at IS NOT NULL), max(last_finished_at),"
                            + " sum(total_records), string_agg(DISTINCT last_status, ','), max(last_error)"
                            + " FROM poll_state WHERE pipeline_id = ANY(?)")) {
                ps.setArray(1, a);
                while (true) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getInt(1) == pipelines) {
                            if (rs.getLong(3) != (long) pipelines * perPipeline || !"ok".equals(rs.getString(4))) {
                                throw new IllegalStateException("polls ended with " + rs.getLong(3)
                                        + " records, status " + rs.getString(4) + ", error " + rs.getString(5));
                            }
                            accept = (rs.getTimestamp(2).toInstant().toEpochMilli() - dbStart.toEpochMilli()) / 1000.0;
                            break;
                        }
                    }
                    if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(15)) {
                        throw new IllegalStateException("polls did not finish in 15 minutes");
                    }
                    Thread.sleep(100);
                }
            }
        }
        double silver = awaitSilver(rows0, t0, ids);
        return new Phase("poll", (long) pipelines * perPipeline, accept, silver);
    }

    private Phase webhook(UUID team, Records records, String prefix) throws Exception {
        String secret = "bench-" + UUID.randomUUID();
        List<UUID[]> targets = new ArrayList<>();
        for (int k = 0; k < pipelines; k++) {
            targets.add(db.webhookPipeline(team, secret));
        }
        List<UUID> ids = targets.stream().map(t -> t[0]).toList();
        db.announce(ids);
        awaitKnown(ids);
        SignatureSigner signer = SignatureSigner.forPreset(PresetConfig.of(Preset.GITHUB));
        URI uri = URI.create(env.ingestor);
        Vertx vertx = Vertx.vertx();
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setKeepAlive(true)
                        .setTcpNoDelay(true)
                        .setDefaultHost(uri.getHost())
                        .setDefaultPort(uri.getPort()),
                new PoolOptions().setHttp1MaxSize(pipelines));
        AtomicLong retried = new AtomicLong();
        double rows0 = probe.metric("dash_silver_rows_total");
        long t0 = System.nanoTime();
        List<Future<Void>> done = new ArrayList<>();
        for (int k = 0; k < pipelines; k++) {
            String listing = prefix + "-L" + k;
            UUID[] target = targets.get(k);
            SecretMaterial material = SecretMaterial.of(target[1].toString(), secret);
            Promise<Void> finished = Promise.promise();
            done.add(finished.future());
            vertx.runOnContext(v -> send(client, signer, material, records, listing, target[0], 0, finished, retried));
        }
        Future.all(done).toCompletionStage().toCompletableFuture().get(15, TimeUnit.MINUTES);
        double accept = (System.nanoTime() - t0) / 1e9;
        client.close();
        vertx.close();
        if (retried.get() > 0) {
            System.out.println("webhook requests retried after a non-2xx answer: " + retried.get() + " " + refusals);
        }
        double silver = awaitSilver(rows0, t0, ids);
        return new Phase("webhook", (long) pipelines * perPipeline, accept, silver);
    }

    /**
     * Waits until the ingestor knows the pipelines: an unsigned request is refused with 401 (nothing stored)
     * once the snapshot arrived, 404 before.
     */
    private void awaitKnown(List<UUID> ids) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (UUID id : ids) {
            for (int i = 0; ; i++) {
                int status = http.send(
                                java.net.http.HttpRequest.newBuilder(URI.create(env.ingestor + "/ingest/" + id))
                                        .header("content-type", "application/json")
                                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (status != 404) {
                    break;
                }
                if (i > 600) {
                    throw new IllegalStateException("the ingestor does not know pipeline " + id);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Posts records {@code from ..} of a listing, one NDJSON body of {@code page} records at a time. */
    private void send(
            HttpClient client,
            SignatureSigner signer,
            SecretMaterial secret,
            Records records,
            String listing,
            UUID pipeline,
            long from,
            Promise<Void> finished,
            AtomicLong retried) {
        if (from >= perPipeline) {
            finished.complete();
            return;
        }
        long to = Math.min(perPipeline, from + page);
        StringBuilder b = new StringBuilder(page * 180);
        for (long k = from; k < to; k++) {
            records.append(b, listing, k);
            b.append('\n');
        }
        byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = signer.sign(body, secret, Instant.now(), null);
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setURI("/ingest/" + pipeline);
        headers.forEach(o::addHeader);
        o.addHeader("content-type", "application/x-ndjson");
        client.request(o)
                .compose(req -> req.send(Buffer.buffer(body))
                        .compose(resp -> resp.body().map(x -> resp.statusCode())))
                .onComplete(ar -> {
                    if (ar.succeeded() && ar.result() / 100 == 2) {
                        send(client, signer, secret, records, listing, pipeline, to, finished, retried);
                    } else {
                        // Not accepted (a 503 while Kafka is slow, a reset connection): the same records again.
                        retried.incrementAndGet();
                        refusals.merge(
                                ar.succeeded()
                                        ? String.valueOf(ar.result())
                                        : ar.cause().toString(),
                                1,
                                Integer::sum);
                        send(client, signer, secret, records, listing, pipeline, from, finished, retried);
                    }
                });
    }

    /** Waits until Silver holds the phase's rows; returns the seconds since {@code t0}. */
    private double awaitSilver(double rows0, long t0, List<UUID> ids) throws Exception {
        double expected = rows0 + (double) pipelines * perPipeline * Records.ROWS_PER_RECORD;
        while (probe.metric("dash_silver_rows_total") < expected) {
            if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(15)) {
                throw new IllegalStateException("Silver did not get the rows in 15 minutes");
            }
            Thread.sleep(100);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*), count(DISTINCT event_id) FROM metrics WHERE pipeline_id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long want = (long) pipelines * perPipeline;
                if (rs.getLong(1) != want * Records.ROWS_PER_RECORD || rs.getLong(2) != want) {
                    throw new IllegalStateException("Silver holds " + rs.getLong(1) + " rows of " + rs.getLong(2)
                            + " events for " + want + " records");
                }
            }
        }
        return seconds;
    }
}
