package dev.dash.chaos;

import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.LogSecretsScan;
import dev.dash.model.testing.PackagedService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The fault suite: a private PostgreSQL, Kafka and S3 server ({@link PrivateServices}), the packaged cluster
 * as processes (two ingestors, web, replay), a steady signed load ({@link LoadGenerator}) over several
 * pipelines, one of them mid-replay, and the faults one after the other. After each fault, once every process
 * is ready again, every event acknowledged so far is reconciled against {@code dash.raw}, Bronze and Silver
 * ({@link Reconciler}); the time that takes is the fault's recovery time. The results go to a Markdown report.
 */
final class ChaosRun {
    /** How big and how long; {@link #shortRun()} runs in the README's test command, {@link #longRun()} on demand. */
    record Options(
            String label,
            double requestsPerSecond,
            int pipelines,
            List<String> faults,
            Duration warmUp,
            Duration settle,
            Duration restartDelay,
            Duration s3Outage,
            Duration pgOutage,
            Duration sessionTimeout,
            Duration pausePastSession,
            int replayHistoryEvents,
            int replayEventsPerSecond,
            Duration convergeTimeout) {

        static Options shortRun() {
            return new Options(
                    "short",
                    doubleProp("chaos.rate", 12),
                    3,
                    faults("kill-ingestor,kafka-restart,s3-stop,pg-stop,kill-web-replay,sigstop-ingestor"),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(2),
                    // S3 down over two rotations of every Bronze object (5 s), PostgreSQL over about 100
                    // requests, a paused member 3 s past its session: each fault still reaches what it is
                    // meant to (the report shows the refusals and retries), with less of it waited out (20 s,
                    // 12 s, 5 s past the session and 3 s between faults until 2026-12-07).
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(8),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(3),
                    // At 3 events/s, about 100 s of replay: still running when web and replay are killed (the
                    // fifth fault) and mostly over by the end of the faults, so that replay-service seldom needs
                    // a start without the throttle (400 before the windows above were shortened).
                    300,
                    3,
                    Duration.ofSeconds(150));
        }

        static Options longRun() {
            return new Options(
                    "long",
                    doubleProp("chaos.rate", 40),
                    4,
                    faults("kill-ingestor,kafka-restart,s3-stop,pg-stop,kill-web-replay,sigstop-ingestor"),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(20),
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(45),
                    Duration.ofSeconds(15),
                    3000,
                    6,
                    Duration.ofSeconds(300));
        }

        private static List<String> faults(String dflt) {
            return List.of(System.getProperty("chaos.faults", dflt).split(","));
        }

        private static double doubleProp(String name, double dflt) {
            return Double.parseDouble(System.getProperty(name, String.valueOf(dflt)));
        }
    }

    /** One fault's outcome. */
    record FaultResult(
            String fault,
            String held,
            long loadRequestsPerSecond,
            ClientLog.Summary clients,
            Duration readyAfterHeal,
            Duration recovered,
            Reconciler.Result reconciled,
            String replayState) {}

    /** What a whole run found. */
    record Report(
            Options options,
            List<FaultResult> faults,
            Reconciler.Result end,
            Map<String, String> heapMaxMb,
            Map<String, Long> outOfMemoryErrors,
            long deliveries,
            long abandoned,
            long refused,
            Set<String> refusals,
            String replayState,
            List<String> logLeaks,
            Duration took) {}

    private static final Set<String> ENDED = Set.of("succeeded", "failed", "cancelled");

    /**
     * Waits for the replay to end for as long as it makes progress (its state or its objects done change at
     * least once every {@code stall}): a replay throttled to a few events a second over a long history may need
     * longer than any fixed timeout once the faults healed quickly, and giving up on it then said nothing about
     * the cluster (the long run of 2026-12-06 03:35 UTC was stopped so, by an estimate from its throughput
     * about a minute before the replay's end, and wrote no report). Returns its final state, or the state it
     * stalled in with {@code (stalled: ...)}, which the report shows and the assertions refuse.
     */
    static String awaitReplayEnd(Fixture fixture, UUID pipeline, Duration stall) {
        String[] last = {null};
        long[] changed = {System.nanoTime()};
        String[] out = {null};
        Awaitility.await()
                .atMost(Duration.ofHours(2))
                .pollInterval(Duration.ofSeconds(1))
                .pollDelay(Duration.ZERO)
                .until(() -> {
                    String state = fixture.replayState(pipeline);
                    String progress = fixture.replayProgress(pipeline);
                    if (ENDED.contains(state)) {
                        out[0] = state;
                        return true;
                    }
                    if (!java.util.Objects.equals(progress, last[0])) {
                        last[0] = progress;
                        changed[0] = System.nanoTime();
                    } else if (System.nanoTime() - changed[0] > stall.toNanos()) {
                        out[0] = state + " (stalled: " + progress + " objects for " + stall.toSeconds() + " s)";
                        return true;
                    }
                    return false;
                });
        return out[0];
    }

    private static final String WEB_CLIENT_SECRET = "dash-web-secret";
    private static final String WEB_SESSION_SECRET = "chaos-run-session-secret-0123456789abcdef";

    private final Options options;
    private final Path dir;
    private PrivateServices services;
    private final List<DashNode> nodes = new ArrayList<>();
    private DashNode ingestorA;
    private DashNode ingestorB;
    private DashNode web;
    private DashNode replay;

    ChaosRun(Options options) {
        this.options = options;
        this.dir = LocalServices.repoRoot().resolve("chaos/target/chaos-" + options.label());
    }

    Report run() throws Exception {
        long started = System.nanoTime();
        Path home = Path.of(System.getProperty(
                "chaos.home", LocalServices.repoRoot().resolve(".dash-chaos").toString()));
        services = PrivateServices.start(home, System.getProperty("chaos.timescaledb", "off"));
        ClientLog clients = new ClientLog();
        try {
            Endpoints env = services.endpoints();
            startCluster(env);
            Fixture fixture = new Fixture(env);
            List<Fixture.Pipeline> pipelines = new ArrayList<>();
            for (int i = 0; i < options.pipelines(); i++) {
                pipelines.add(fixture.create("p" + i));
            }
            Fixture.Pipeline replayed = pipelines.get(0);
            // The ingestors learn of the pipelines from dash.control within ~100 ms.
            Thread.sleep(1000);
            AtomicReference<List<String>> ingestUrls = new AtomicReference<>(List.of(ingestorA.url(), ingestorB.url()));
            LoadGenerator.Options lo = new LoadGenerator.Options(
                    options.requestsPerSecond(),
                    4,
                    0.3,
                    20,
                    0.0,
                    0,
                    Duration.ofSeconds(12),
                    Duration.ofSeconds(180),
                    true);
            List<FaultResult> results = new ArrayList<>();
            try (Reconciler reconciler = new Reconciler(fixture, env, "dash-bronze");
                    LoadGenerator load = new LoadGenerator(lo, pipelines, ingestUrls::get, clients)) {
                load.start();
                long loadStarted = System.nanoTime();
                // History for the replayed pipeline, then its new mapping version: its replay runs under the faults.
                Awaitility.await()
                        .atMost(Duration.ofMinutes(5))
                        .pollInterval(Duration.ofMillis(500))
                        .pollDelay(Duration.ZERO)
                        .until(() -> load.snapshot()
                                        .getOrDefault(replayed.id(), Set.of())
                                        .size()
                                >= options.replayHistoryEvents());
                // The warm-up counts from the load's start: the load has run through the history already (about
                // 20 s of the short run, whose warm-up is 10 s), and waiting the whole warm-up again after it only
                // added time.
                Duration warmedUp = Duration.ofNanos(System.nanoTime() - loadStarted);
                if (warmedUp.compareTo(options.warmUp()) < 0) {
                    Thread.sleep(options.warmUp().minus(warmedUp).toMillis());
                }
                fixture.savePending(replayed.id());
                Awaitility.await()
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .pollDelay(Duration.ZERO)
                        .until(() -> fixture.replayState(replayed.id()) != null);
                for (String fault : options.faults()) {
                    results.add(inject(fault.strip(), load, clients, reconciler, fixture, replayed));
                    Thread.sleep(options.settle().toMillis());
                }
                load.close();
                unthrottleReplay(fixture, replayed);
                Reconciler.Result end = converge(reconciler, load.snapshot(), options.convergeTimeout());
                // The replay, if still running, must also end with every event exactly once in the new version.
                String replayEnd = awaitReplayEnd(fixture, replayed.id(), options.convergeTimeout());
                Reconciler.Result afterReplay = ENDED.contains(replayEnd)
                        ? converge(reconciler, load.snapshot(), options.convergeTimeout())
                        : end;
                Map<String, String> heap = new java.util.TreeMap<>();
                Map<String, Long> oom = new HashMap<>();
                for (DashNode n : nodes) {
                    heap.put(n.name, n.heapMaxMb() + " before a GC, " + n.liveMaxMb() + " live after");
                    oom.put(n.name, n.outOfMemoryErrors());
                }
                Report report = new Report(
                        options,
                        results,
                        afterReplay.acknowledged() >= end.acknowledged() ? afterReplay : end,
                        heap,
                        oom,
                        load.deliveries.get(),
                        load.abandoned.get(),
                        load.refused.get(),
                        Set.copyOf(load.refusals),
                        replayEnd,
                        logLeaks(env, pipelines),
                        Duration.ofNanos(System.nanoTime() - started));
                write(report);
                return report;
            }
        } finally {
            for (DashNode n : nodes) {
                try {
                    n.stop();
                } catch (RuntimeException e) {
                    // best effort: the services go next anyway
                }
            }
            if (!Boolean.getBoolean("chaos.keep-services")) {
                services.down();
            }
        }
    }

    /**
     * Lines of the packaged processes' logs holding a secret the run knows (every pipeline's signing secret,
     * the key ring, the web client and session secrets, the S3 secret) or shaped like a token ({@link
     * LogSecretsScan}): the test logs are scanned by each module's LogSecretsIT, these only here.
     */
    private List<String> logLeaks(Endpoints env, List<Fixture.Pipeline> pipelines) throws IOException {
        Set<String> secrets = new java.util.TreeSet<>();
        pipelines.forEach(p -> secrets.add(p.secret()));
        for (String key : PackagedService.TEST_CRYPTO_KEYS.split(",")) {
            secrets.add(key.substring(key.indexOf(':') + 1));
        }
        secrets.add(WEB_CLIENT_SECRET);
        secrets.add(WEB_SESSION_SECRET);
        secrets.add(env.s3SecretKey());
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir.resolve("logs"))) {
            return LogSecretsScan.leaks(
                    files.filter(f -> f.getFileName().toString().matches(".*-\\d+\\.log"))
                            .sorted()
                            .toList(),
                    secrets);
        }
    }

    private void startCluster(Endpoints env) throws Exception {
        Path logs = dir.resolve("logs");
        Map<String, String> common = new HashMap<>(PackagedService.config(env, 0));
        common.remove("quarkus.http.port");
        common.put(
                "dash.kafka.consumer.session.timeout.ms",
                String.valueOf(options.sessionTimeout().toMillis()));
        common.put(
                "dash.kafka.consumer.heartbeat.interval.ms",
                String.valueOf(options.sessionTimeout().toMillis() / 4));
        Map<String, String> web = new HashMap<>(common);
        web.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
        web.put("quarkus.oidc.web.credentials.secret", WEB_CLIENT_SECRET);
        web.put("quarkus.oidc.web.token-state-manager.encryption-secret", WEB_SESSION_SECRET);
        this.web = node("web", "web-service", web, "384m", logs);
        this.web.start();
        // web-service migrates the schema; the other services wait for it anyway (they validate it).
        awaitReady(this.web, Duration.ofSeconds(240));
        Map<String, String> ingestor = new HashMap<>(common);
        ingestor.remove("quarkus.oidc.auth-server-url");
        ingestor.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
        ingestor.put("dash.bronze.rotate-age", "5s");
        ingestor.put("dash.p2p.enabled", "false");
        ingestorA = node("ingestor-a", "ingestor-service", withNodeId(ingestor, "chaos-a"), "384m", logs);
        ingestorB = node("ingestor-b", "ingestor-service", withNodeId(ingestor, "chaos-b"), "384m", logs);
        Map<String, String> replayProps = new HashMap<>(common);
        replayProps.put("dash.replay.poll-interval", "500ms");
        replayProps.put("dash.replay.lease", "10s");
        replayProps.put("dash.replay.cleanup-grace", "5s");
        replayProps.put("dash.replay.max-events-per-second", String.valueOf(options.replayEventsPerSecond()));
        replayProps.put("dash.replay.batch-rows", "200");
        this.replay = node("replay", "replay-service", replayProps, "256m", logs);
        ingestorA.start();
        ingestorB.start();
        this.replay.start();
        for (DashNode n : List.of(ingestorA, ingestorB, this.replay)) {
            awaitReady(n, Duration.ofSeconds(240));
        }
    }

    /**
     * Once the faults are over, replay-service is stopped (SIGTERM: it releases its job) and started again
     * without the throttle, and resumes the replay from its checkpoint. The throttle only keeps the replay
     * running under every fault; at that pace what is left after the last one took another minute or more (94 s
     * of the short run's 292 s on 2026-12-06), while the run checked nothing but the replay's end. A replay that
     * already ended is left alone.
     */
    private void unthrottleReplay(Fixture fixture, Fixture.Pipeline replayed) throws Exception {
        if (ENDED.contains(fixture.replayState(replayed.id()))) {
            return;
        }
        replay.stop();
        replay.set("dash.replay.max-events-per-second", "0");
        replay.start();
        awaitReady(replay, Duration.ofSeconds(240));
    }

    private static Map<String, String> withNodeId(Map<String, String> props, String id) {
        Map<String, String> m = new HashMap<>(props);
        m.put("dash.poll.node-id", id);
        return m;
    }

    private DashNode node(String name, String module, Map<String, String> props, String heap, Path logs)
            throws IOException {
        int port = PackagedService.freePort();
        Map<String, String> p = new HashMap<>(props);
        p.put("quarkus.http.port", String.valueOf(port));
        DashNode n = new DashNode(name, module, port, p, heap, logs);
        nodes.add(n);
        return n;
    }

    /**
     * Every await here checks at once (poll delay 0): with a fixed poll interval Awaitility otherwise waits one
     * interval before its first check, which is lost wherever the condition already holds: 0.5 s for each node a
     * fault did not touch, after every fault, and 2 s for a reconciliation complete at once.
     */
    private static void awaitReady(DashNode n, Duration atMost) {
        Awaitility.await()
                .alias(n.name + " ready")
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(500))
                .pollDelay(Duration.ZERO)
                .until(n::ready);
    }

    private FaultResult inject(
            String fault,
            LoadGenerator load,
            ClientLog clients,
            Reconciler reconciler,
            Fixture fixture,
            Fixture.Pipeline replayed)
            throws Exception {
        long t0 = System.currentTimeMillis();
        String held;
        switch (fault) {
            case "kill-ingestor" -> {
                ingestorA.kill9();
                Thread.sleep(options.restartDelay().toMillis());
                ingestorA.start();
                held = "kill -9 of ingestor-a, restarted after " + secs(options.restartDelay());
            }
            case "kafka-restart" -> {
                services.stop("kafka");
                services.start("kafka");
                held = "broker stopped (SIGTERM) and started again: "
                        + secs(Duration.ofMillis(System.currentTimeMillis() - t0)) + " down";
            }
            case "s3-stop" -> {
                services.stop("s3");
                Thread.sleep(options.s3Outage().toMillis());
                services.start("s3");
                held = "S3 stopped for " + secs(options.s3Outage());
            }
            case "pg-stop" -> {
                services.stop("postgres");
                Thread.sleep(options.pgOutage().toMillis());
                services.start("postgres");
                held = "PostgreSQL stopped for " + secs(options.pgOutage());
            }
            case "kill-web-replay" -> {
                web.kill9();
                replay.kill9();
                Thread.sleep(options.restartDelay().toMillis());
                web.start();
                replay.start();
                held = "kill -9 of web and replay, restarted after " + secs(options.restartDelay());
            }
            case "sigstop-ingestor" -> {
                Duration pause = options.sessionTimeout().plus(options.pausePastSession());
                ingestorB.pause();
                Thread.sleep(pause.toMillis());
                ingestorB.resume();
                held = "SIGSTOP of ingestor-b for " + secs(pause) + " (session timeout "
                        + secs(options.sessionTimeout()) + "), then SIGCONT";
            }
            default -> throw new IllegalArgumentException("unknown fault " + fault);
        }
        long healed = System.currentTimeMillis();
        for (DashNode n : nodes) {
            awaitReady(n, Duration.ofSeconds(240));
        }
        long ready = System.currentTimeMillis();
        Map<UUID, Set<UUID>> acked = load.snapshot();
        Reconciler.Result r = converge(reconciler, acked, options.convergeTimeout());
        long recovered = System.currentTimeMillis();
        ClientLog.Summary s = clients.summarise(t0, recovered);
        long seconds = Math.max(1, (recovered - t0) / 1000);
        FaultResult result = new FaultResult(
                fault,
                held,
                s.requests() / seconds,
                s,
                Duration.ofMillis(ready - healed),
                Duration.ofMillis(recovered - healed),
                r,
                fixture.replayState(replayed.id()));
        System.getLogger("chaos").log(System.Logger.Level.INFO, fault + ": " + r.describe() + "; " + s.kinds());
        return result;
    }

    /** Reconciles until nothing acknowledged is missing (or the timeout passes) and returns the last counts. */
    private static Reconciler.Result converge(Reconciler reconciler, Map<UUID, Set<UUID>> acked, Duration timeout) {
        AtomicReference<Reconciler.Result> last = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try {
            Awaitility.await()
                    .atMost(timeout)
                    .pollInterval(Duration.ofSeconds(2))
                    .pollDelay(Duration.ZERO)
                    .until(() -> {
                        try {
                            Reconciler.Result r = reconciler.check(acked);
                            last.set(r);
                            return r.complete();
                        } catch (Exception e) {
                            // A store still recovering; retried, and reported if no check ever succeeds.
                            failure.set(e);
                            return false;
                        }
                    });
        } catch (ConditionTimeoutException e) {
            // reported as missing
        }
        if (last.get() == null) {
            throw new IllegalStateException("no reconciliation succeeded within " + secs(timeout), failure.get());
        }
        return last.get();
    }

    private static String secs(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : "%.1f s".formatted(d.toMillis() / 1000.0);
    }

    private void write(Report r) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# Fault suite, ")
                .append(r.options().label())
                .append(" run, ")
                .append(Instant.now())
                .append("\n\n");
        b.append(
                "Load: %.0f requests/s offered (30 %% NDJSON batches of 2-20 events), %d pipelines, one mid-replay; took %s.\n\n"
                        .formatted(r.options().requestsPerSecond(), r.options().pipelines(), secs(r.took())));
        b.append(
                "| fault | held | answered (req/s) | acknowledged | missing | duplicated (raw/Bronze/Silver) | ready after heal | recovered after heal | clients saw | 503/429 with Retry-After | longest without a 2xx | replay |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (FaultResult f : r.faults()) {
            Reconciler.Result x = f.reconciled();
            b.append("| %s | %s | %d | %d | %s | %s | %s | %s | %s | %d/%d | %s | %s |\n"
                    .formatted(
                            f.fault(),
                            f.held(),
                            f.loadRequestsPerSecond(),
                            x == null ? 0 : x.acknowledged(),
                            x == null ? "?" : x.rawMissing() + "/" + x.bronzeMissing() + "/" + x.silverMissing(),
                            x == null
                                    ? "?"
                                    : x.rawDuplicated() + "/" + x.bronzeDuplicated() + "/" + x.silverDuplicated(),
                            secs(f.readyAfterHeal()),
                            secs(f.recovered()),
                            f.clients().kinds(),
                            f.clients().refusalsWithRetryAfter(),
                            f.clients().refusalsNeedingRetryAfter(),
                            secs(Duration.ofMillis(f.clients().longestWithoutOkMillis())),
                            f.replayState()));
        }
        Reconciler.Result e = r.end();
        b.append("\nEnd: ").append(e == null ? "not reconciled" : e.describe()).append(".\n");
        b.append("Deliveries ")
                .append(r.deliveries())
                .append(", abandoned after retries ")
                .append(r.abandoned())
                .append(", refused for good ")
                .append(r.refused())
                .append(r.refusals().isEmpty() ? "" : " " + r.refusals())
                .append(".\nReplay: ")
                .append(r.replayState())
                .append(".\n");
        b.append("Heap maximum (MiB): ")
                .append(r.heapMaxMb())
                .append("; OutOfMemoryError lines: ")
                .append(r.outOfMemoryErrors())
                .append(".\n");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), b.toString(), StandardCharsets.UTF_8);
        System.getLogger("chaos").log(System.Logger.Level.INFO, "\n" + b);
    }
}
