package dev.dash.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.db.PipelineSnapshots;
import dev.dash.model.json.Json;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.KeycloakTokens;
import dev.dash.model.testing.KeycloakTokens.Demo;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import dev.dash.replay.testing.ReplayFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole replay, with every part a real process: the packaged ingestor (ingest API, Bronze archiver,
 * Silver writer), web-service (the dashboard query API) and replay-service. Events are ingested live under
 * mapping version 1; version 2 is saved the way web-service saves it (pending, snapshot on dash.control),
 * which queues its replay; events keep arriving during the replay; a dashboard query is polled throughout.
 * Afterwards Silver holds exactly version 2 of every acknowledged event, once, and the dashboard never
 * showed a gap (its count never went down) nor a mix of versions. The second run kills replay-service with
 * {@code kill -9} halfway and starts it again; the result is the same.
 */
@Tag(LocalServices.SILVER_TAG)
class ReplayEndToEndIT {
    static final Pattern ID = Pattern.compile("\"event_ids\":\\[\"([0-9a-f-]{36})\"");
    static final String V1 = """
            {"version":1,"fields":[{"name":"value","path":"/n","type":"number"},
              {"name":"gen","path":"/absent","type":"string","default":"v1"}],"metrics":["value"],"labels":["gen"]}
            """;
    static final String V2 = """
            {"version":1,"fields":[{"name":"value","path":"/n","type":"number","transform":[{"op":"scale","by":10}]},
              {"name":"gen","path":"/absent","type":"string","default":"v2"}],"metrics":["value"],"labels":["gen"]}
            """;

    static Endpoints env;
    static ReplayFixture fx;
    static final List<Process> processes = new ArrayList<>();
    static int ingestorPort;
    static int webPort;
    static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void start() throws Exception {
        // A database of its own: the replay waits for the real archiver's progress, which the replay tests'
        // fixtures fake in the shared test database (in a fresh cluster those fakes can be ahead of the real
        // offsets, and a replay that believes Bronze complete reads too little).
        env = LocalServices.freshDatabase("replay_e2e");
        fx = new ReplayFixture(env);
        fx.exec(
                "INSERT INTO users (id, oidc_subject, email) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                UUID.randomUUID(),
                Demo.VIEWER.subject().toString(),
                Demo.VIEWER.username());
        fx.exec(
                "INSERT INTO memberships (id, team_id, user_id, role) SELECT ?, ?, id, 'viewer' FROM users "
                        + "WHERE oidc_subject = ?",
                UUID.randomUUID(),
                fx.team,
                Demo.VIEWER.subject().toString());
        ingestorPort = PackagedService.freePort();
        webPort = PackagedService.freePort();
        Map<String, String> ingestor = new HashMap<>();
        ingestor.put("dash.bronze.rotate-age", "2s");
        processes.add(start("ingestor-service", ingestorPort, ingestor, "ingestor"));
        Map<String, String> web = new HashMap<>();
        web.put("quarkus.oidc.web.credentials.secret", "dash-web-secret");
        web.put("quarkus.oidc.web.token-state-manager.encryption-secret", "replay-it-session-secret-0123456789abcdef");
        processes.add(start("web-service", webPort, web, "web"));
        awaitReady(ingestorPort);
        awaitReady(webPort);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (fx != null) {
            fx.close();
        }
    }

    /** One dashboard answer: the mapping version it read, its labels, and the count over the range. */
    record Seen(int version, List<String> gens, long count) {}

    @ParameterizedTest(name = "kill -9 of replay-service halfway: {0}")
    @ValueSource(booleans = {false, true})
    void aLiveReplayLeavesExactlyTheNewVersionWithoutAGap(boolean kill) throws Exception {
        int replayPort = PackagedService.freePort();
        Process replay = startReplay(replayPort, kill ? "replay-kill-1" : "replay");

        Map<UUID, Integer> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger counter = new AtomicInteger();
        AtomicBoolean loading = new AtomicBoolean(true);
        ExecutorService load = Executors.newFixedThreadPool(3);
        List<Seen> seen = new CopyOnWriteArrayList<>();
        List<String> queryErrors = new CopyOnWriteArrayList<>();
        List<String> drops = new CopyOnWriteArrayList<>();
        AtomicBoolean polling = new AtomicBoolean(true);
        Instant from = Instant.now().minus(2, ChronoUnit.HOURS);
        Instant to = Instant.now().plus(2, ChronoUnit.HOURS);
        try {
            // Inside the try, so a replay-service that never became ready is stopped too (it was left running).
            UUID p = fx.pipeline(V1, null);
            publish(p);
            awaitReady(replayPort);
            for (int t = 0; t < 2; t++) {
                load.submit(() -> ingestLoop(p, counter, acknowledged, loading));
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 1500);
            // The dashboard, polled from now on.
            load.submit(() -> {
                while (polling.get()) {
                    try {
                        Seen s = query(p, from, to);
                        if (!seen.isEmpty()
                                && s.count() < seen.get(seen.size() - 1).count()) {
                            // A drop: what the database holds right now, so that a failure says why.
                            drops.add(seen.get(seen.size() - 1) + " -> " + s + " at " + Instant.now() + "\n"
                                    + diagnose(p));
                        }
                        seen.add(s);
                    } catch (Exception e) {
                        queryErrors.add(e.toString());
                    }
                }
            });
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> !seen.isEmpty() && seen.get(seen.size() - 1).count() >= 1000);

            if (kill) {
                // Several Bronze objects before the replay is planned, so that it is still running after its first
                // checkpoint: with one or two objects the first checkpoint could be the last, and the replay could
                // go from its first checkpoint to succeeded between two polls (CI saw the wait below time out).
                Awaitility.await()
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> fx.count("SELECT count(*) FROM bronze_manifest WHERE pipeline_id = ?", p) >= 3);
            }
            // Save version 2 as web-service does: pending, then the snapshot. Its replay is queued from it.
            fx.exec(
                    "INSERT INTO data_mappings (id, pipeline_id, version, status, document) "
                            + "VALUES (?, ?, 2, 'pending', ?::jsonb)",
                    UUID.randomUUID(),
                    p,
                    V2);
            fx.exec("UPDATE pipelines SET updated_at = now() WHERE id = ?", p);
            publish(p);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> fx.string("SELECT id FROM replays WHERE pipeline_id = ?", p) != null);
            UUID replayId = UUID.fromString(fx.string("SELECT id FROM replays WHERE pipeline_id = ?", p));

            if (kill) {
                // Halfway: at least one object checkpointed and at least one still to do.
                try {
                    Awaitility.await()
                            .atMost(Duration.ofSeconds(90))
                            .pollInterval(Duration.ofMillis(50))
                            .failFast(
                                    "the replay ended before it was halfway",
                                    () -> fx.count(
                                                    "SELECT count(*) FROM replays WHERE id = ? "
                                                            + "AND state IN ('succeeded', 'failed', 'cancelled')",
                                                    replayId)
                                            == 1)
                            .alias("the replay halfway: " + replayId)
                            .until(() -> fx.count(
                                            "SELECT count(*) FROM replays WHERE id = ? AND state = 'running' "
                                                    + "AND objects_done >= 1 AND objects_done < objects_total",
                                            replayId)
                                    == 1);
                } catch (ConditionTimeoutException | TerminalFailureException e) {
                    throw new AssertionError(
                            "the replay was never seen halfway; Bronze objects: "
                                    + fx.count("SELECT count(*) FROM bronze_manifest WHERE pipeline_id = ?", p) + "\n"
                                    + diagnose(p),
                            e);
                }
                replay.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                assertThat(fx.string("SELECT state FROM replays WHERE id = ?", replayId))
                        .as("killed halfway")
                        .isEqualTo("running");
                replay = startReplay(replayPort, "replay-kill-2");
                awaitReady(replayPort);
            }
            Awaitility.await()
                    .atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> "succeeded".equals(fx.string("SELECT state FROM replays WHERE id = ?", replayId)));
            // Events keep arriving after the switch, under version 2 only.
            int atSwitch = acknowledged.size();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= atSwitch + 300);
            loading.set(false);

            // Silver: exactly version 2 of every acknowledged event, once; version 1 swept after its grace.
            Awaitility.await()
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        Map<UUID, Double> v2 = new HashMap<>();
                        for (List<Object> row : fx.rows(
                                "SELECT event_id, value FROM metrics WHERE pipeline_id = ? AND mapping_version = 2",
                                p)) {
                            assertThat(v2.put((UUID) row.get(0), (Double) row.get(1)))
                                    .as("one row per event")
                                    .isNull();
                        }
                        assertThat(v2.keySet()).containsAll(acknowledged.keySet());
                        acknowledged.forEach((id, n) -> assertThat(v2.get(id)).isEqualTo(n * 10.0));
                        assertThat(fx.count(
                                        "SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 1",
                                        p))
                                .isZero();
                    });
            long v2Rows = fx.count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2", p);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> seen.get(seen.size() - 1).count() == v2Rows);
            polling.set(false);
            load.shutdown();
            assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            // The dashboard: never a mix, never a gap, version 1 then version 2 and never back.
            assertThat(queryErrors).isEmpty();
            assertThat(seen).hasSizeGreaterThan(10);
            long last = 0;
            int version = 1;
            for (Seen s : seen) {
                assertThat(s.gens()).as("one version per answer").containsExactly("v" + s.version());
                assertThat(s.count())
                        .as("the count never goes down (no gap); the database at each drop: %s", drops)
                        .isGreaterThanOrEqualTo(last);
                assertThat(s.version()).as("versions only move forward").isGreaterThanOrEqualTo(version);
                last = s.count();
                version = s.version();
            }
            assertThat(seen.get(0).version()).isEqualTo(1);
            assertThat(version).isEqualTo(2);
            assertThat(fx.rows(
                            "SELECT objects_done = objects_total, events_read > 0 FROM replays WHERE id = ?", replayId))
                    .containsExactly(List.of(true, true));
        } finally {
            loading.set(false);
            polling.set(false);
            load.shutdownNow();
            replay.destroy();
            if (!replay.waitFor(30, TimeUnit.SECONDS)) {
                replay.destroyForcibly();
            }
        }
    }

    private static void ingestLoop(UUID p, AtomicInteger counter, Map<UUID, Integer> acknowledged, AtomicBoolean on) {
        while (on.get()) {
            int n = counter.incrementAndGet();
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingestorPort + "/ingest/" + p))
                                .timeout(Duration.ofSeconds(5))
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + n + "}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                Matcher m = ID.matcher(r.body());
                if (r.statusCode() == 202 && m.find()) {
                    acknowledged.put(UUID.fromString(m.group(1)), n);
                }
                Thread.sleep(2); // a steady live stream, not a flood: ~400 events/s per sender at most
            } catch (IOException e) {
                // not acknowledged: the producer would retry
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The rollups' state of the pipeline, read right after the dashboard answered with a lower count: the watermark,
     * the invalidation log, the minute and hour buckets per version against the raw rows per minute, and the replay.
     */
    private static String diagnose(UUID p) {
        StringBuilder out = new StringBuilder();
        String[][] queries = {
            {"rollup_state", "SELECT refreshed_to, updated_at, now() FROM rollup_state"},
            {"invalidations", "SELECT hour, claimed FROM rollup_invalidations WHERE pipeline_id = ?"},
            {
                "metrics_1m",
                "SELECT mapping_version, bucket, n, xmin::text FROM metrics_1m WHERE pipeline_id = ? ORDER BY 1, 2"
            },
            {
                "metrics_1h",
                "SELECT mapping_version, bucket, n, xmin::text FROM metrics_1h WHERE pipeline_id = ? ORDER BY 1, 2"
            },
            {
                "raw per minute",
                "SELECT mapping_version, date_bin('1 minute', time, TIMESTAMPTZ '2000-01-01 00:00:00+00'), count(*) "
                        + "FROM metrics WHERE pipeline_id = ? GROUP BY 1, 2 ORDER BY 1, 2"
            },
            {
                "replay",
                "SELECT state, objects_done, objects_total, min_point_time, max_point_time, finished_at FROM replays "
                        + "WHERE pipeline_id = ?"
            },
            {
                "refreshes running",
                "SELECT pid, state, xact_start, wait_event_type, left(query, 120) FROM pg_stat_activity "
                        + "WHERE datname = current_database() AND query LIKE '%dash_refresh%' AND pid <> pg_backend_pid()"
            }
        };
        for (String[] q : queries) {
            try {
                List<List<Object>> rows = q[1].contains("?") ? fx.rows(q[1], p) : fx.rows(q[1]);
                out.append("  ").append(q[0]).append(": ").append(rows).append('\n');
            } catch (Exception e) {
                out.append("  ").append(q[0]).append(": ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    private static Seen query(UUID p, Instant from, Instant to) throws Exception {
        String body = "{\"metric\":\"value\",\"from\":\"" + from + "\",\"to\":\"" + to
                + "\",\"bucket\":\"PT1H\",\"aggregation\":\"count\"}";
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/api/teams/" + fx.team
                                + "/pipelines/" + p + "/series"))
                        .timeout(Duration.ofSeconds(10))
                        .header("content-type", "application/json")
                        .header("authorization", "Bearer " + KeycloakTokens.of(Demo.VIEWER))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("query answered " + r.statusCode() + ": " + r.body());
        }
        JsonNode json = Json.parse(r.body());
        List<String> gens = new ArrayList<>();
        long count = 0;
        for (JsonNode series : json.path("series")) {
            gens.add(series.path("labels").path("gen").asText());
            for (JsonNode point : series.path("points")) {
                count += point.path("v").asLong();
            }
        }
        return new Seen(json.path("mapping_version").asInt(), gens, count);
    }

    private static void publish(UUID pipeline) throws Exception {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(env.jdbcUrl());
        ds.setUser(env.pgUser());
        ds.setPassword(env.pgPassword());
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrap());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(
                            LocalServices.topics().control(),
                            pipeline.toString(),
                            ControlCodec.encode(new PipelineSnapshots(ds).load(pipeline))))
                    .get(10, TimeUnit.SECONDS);
        }
    }

    private static Process startReplay(int port, String log) throws IOException {
        Map<String, String> props = new HashMap<>();
        props.put("dash.replay.poll-interval", "200ms");
        props.put("dash.replay.lease", "3s");
        props.put("dash.replay.cleanup-grace", "2s");
        // Slow enough that the replay is still running when the kill comes.
        props.put("dash.replay.max-events-per-second", "400");
        props.put("dash.replay.batch-rows", "200");
        return start("replay-service", port, props, log);
    }

    private static Process start(String module, int port, Map<String, String> extra, String name) throws IOException {
        Map<String, String> props = PackagedService.config(env, port);
        if (!module.equals("replay-service")) {
            props.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
        }
        props.putAll(extra);
        return PackagedService.start(
                module,
                props,
                "384m",
                LocalServices.repoRoot().resolve("replay-service/target/replay-it/" + name + ".log"));
    }

    private static void awaitReady(int port) {
        PackagedService.awaitReady(port, Duration.ofSeconds(120));
    }
}
