package dev.dash.chaos;

import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Overload: what one ingestor node sustains (closed loop, as fast as it answers), then an open-loop load of
 * {@code factor} times that with large NDJSON bodies mixed in, then a modest load again. Reports what the
 * clients got (503/429 and whether {@code Retry-After} came with them), the node's largest heap, any
 * {@code OutOfMemoryError}, how long until every request succeeded again, and the reconciliation of every
 * acknowledged event. Then a pipeline quota offered through two nodes: per node or cluster-wide.
 */
final class OverloadRun {
    /** The knobs. */
    record Options(
            double factor,
            Duration measure,
            Duration overload,
            Duration recovery,
            double largeShare,
            int largeBytes,
            String heap,
            int quota) {
        static Options fromProperties() {
            return new Options(
                    Double.parseDouble(System.getProperty("chaos.overload.factor", "10")),
                    Duration.ofSeconds(Long.getLong("chaos.overload.measure-seconds", 20)),
                    Duration.ofSeconds(Long.getLong("chaos.overload.seconds", 30)),
                    Duration.ofSeconds(Long.getLong("chaos.overload.recovery-seconds", 30)),
                    Double.parseDouble(System.getProperty("chaos.overload.large-share", "0.05")),
                    Integer.getInteger("chaos.overload.large-bytes", 2 * 1024 * 1024),
                    System.getProperty("chaos.overload.heap", "384m"),
                    Integer.getInteger("chaos.overload.quota", 10));
        }
    }

    /** The findings. */
    record Report(
            Options options,
            double sustainedRequestsPerSecond,
            double sustainedEventsPerSecond,
            double offeredRequestsPerSecond,
            long sent,
            long notSent,
            long largeSent,
            ClientLog.Summary overload,
            ClientLog.Summary largeOnly,
            long heapMaxMb,
            long liveMaxMb,
            long outOfMemoryErrors,
            Duration recoveredAfter,
            ClientLog.Summary afterDrop,
            Reconciler.Result reconciled,
            int quota,
            double quotaAcceptedPerSecond,
            ClientLog.Summary quotaRun) {}

    private final Options options;
    private final Path dir = LocalServices.repoRoot().resolve("chaos/target/overload");

    OverloadRun(Options options) {
        this.options = options;
    }

    Report run() throws Exception {
        Path home = Path.of(System.getProperty(
                "chaos.home", LocalServices.repoRoot().resolve(".dash-chaos").toString()));
        List<DashNode> nodes = new ArrayList<>();
        try (PrivateServices services = PrivateServices.start(home, System.getProperty("chaos.timescaledb", "off"))) {
            Endpoints env = services.endpoints();
            Path logs = dir.resolve("logs");
            Map<String, String> common = new HashMap<>(PackagedService.config(env, 0));
            common.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
            Map<String, String> webProps = new HashMap<>(common);
            int webPort = PackagedService.freePort();
            webProps.put("quarkus.http.port", String.valueOf(webPort));
            webProps.put("quarkus.oidc.web.credentials.secret", "dash-web-secret");
            webProps.put(
                    "quarkus.oidc.web.token-state-manager.encryption-secret",
                    "chaos-run-session-secret-0123456789abcdef");
            DashNode web = new DashNode("web", "web-service", webPort, webProps, "384m", logs);
            nodes.add(web);
            web.start();
            await(web);
            web.stop(); // it has migrated the schema; the measurement wants the CPU
            nodes.remove(web);
            Map<String, String> ing = new HashMap<>(common);
            ing.remove("quarkus.oidc.auth-server-url");
            ing.put("dash.bronze.rotate-age", "5s");
            ing.put("dash.p2p.enabled", "false");
            DashNode a = ingestor("ingestor-a", ing, logs);
            DashNode b = ingestor("ingestor-b", ing, logs);
            nodes.add(a);
            nodes.add(b);
            a.start();
            b.start();
            await(a);
            await(b);
            Fixture fixture = new Fixture(env);
            List<Fixture.Pipeline> pipelines = List.of(fixture.create("o1"), fixture.create("o2"));
            Fixture.Pipeline quoted = fixture.create("quota", options.quota());
            Thread.sleep(1000);
            ClientLog log = new ClientLog();
            Set<UUID> ackedEvents = new HashSet<>();
            Map<UUID, Set<UUID>> acked = new HashMap<>();

            // 1. What one node sustains: closed loop, 8 senders as fast as it answers, small bodies and batches.
            long m0 = System.currentTimeMillis();
            LoadGenerator closed = new LoadGenerator(
                    new LoadGenerator.Options(
                            100_000, 8, 0.3, 20, 0, 0, Duration.ofSeconds(15), Duration.ofSeconds(30), true),
                    pipelines,
                    () -> List.of(a.url()),
                    log);
            closed.start();
            Thread.sleep(options.measure().toMillis());
            closed.close();
            long m1 = System.currentTimeMillis();
            ClientLog.Summary measured = log.summarise(m0, m1);
            double sustained = measured.ok() * 1000.0 / (m1 - m0);
            double sustainedEvents = closed.acknowledged.size() * 1000.0 / (m1 - m0);
            merge(acked, closed.acknowledged);

            // 2. factor x that, open loop, with large bodies mixed in.
            double offered = sustained * options.factor();
            OpenLoop open = new OpenLoop(log);
            long o0 = System.currentTimeMillis();
            open.run(
                    List.of(a.url()),
                    pipelines,
                    offered,
                    options.overload(),
                    options.largeShare(),
                    options.largeBytes(),
                    4000);
            long o1 = System.currentTimeMillis();
            merge(acked, open.acknowledged);
            ClientLog.Summary over = log.summarise(o0, o1);
            List<ClientLog.Outcome> large = log.between(o0, o1).stream()
                    .filter(ClientLog.Outcome::large)
                    .toList();
            ClientLog largeLog = new ClientLog();
            large.forEach(largeLog::add);
            ClientLog.Summary largeOnly = largeLog.summarise(o0, o1);

            // 3. The load drops to half of what the node sustains: how long until every request succeeds again.
            long d0 = System.currentTimeMillis();
            LoadGenerator calm = new LoadGenerator(
                    new LoadGenerator.Options(
                            Math.max(1, sustained / 2),
                            4,
                            0.3,
                            20,
                            0,
                            0,
                            Duration.ofSeconds(15),
                            Duration.ofSeconds(60),
                            true),
                    pipelines,
                    () -> List.of(a.url()),
                    log);
            calm.start();
            Thread.sleep(options.recovery().toMillis());
            calm.close();
            long d1 = System.currentTimeMillis();
            merge(acked, calm.acknowledged);
            Duration recovered = recoveredAfter(log.between(d0, d1), d0);
            ClientLog.Summary afterDrop = log.summarise(d0, d1);
            long heap = a.heapMaxMb();
            long live = a.liveMaxMb();
            long oom = a.outOfMemoryErrors();

            // 4. Every acknowledged event stored once.
            Reconciler.Result result;
            try (Reconciler reconciler = new Reconciler(fixture, env, "dash-bronze")) {
                AtomicReference<Reconciler.Result> last = new AtomicReference<>();
                try {
                    Awaitility.await()
                            .atMost(Duration.ofMinutes(5))
                            .pollInterval(Duration.ofSeconds(3))
                            .ignoreExceptions()
                            .until(() -> {
                                last.set(reconciler.check(acked));
                                return last.get().complete();
                            });
                } catch (ConditionTimeoutException e) {
                    // reported
                }
                result = last.get();
            }

            // 5. A quota of q requests/s, offered at 5 q through both nodes (round-robin) for 10 s.
            ClientLog quotaLog = new ClientLog();
            OpenLoop quotaLoad = new OpenLoop(quotaLog);
            long q0 = System.currentTimeMillis();
            quotaLoad.run(
                    List.of(a.url(), b.url()),
                    List.of(quoted),
                    options.quota() * 5.0,
                    Duration.ofSeconds(10),
                    0,
                    0,
                    500);
            long q1 = System.currentTimeMillis();
            ClientLog.Summary quotaRun = quotaLog.summarise(q0, q1);
            double quotaAccepted = quotaRun.ok() / 10.0;

            Report r = new Report(
                    options,
                    sustained,
                    sustainedEvents,
                    offered,
                    open.sent.get(),
                    open.notSent.get(),
                    open.largeSent.get(),
                    over,
                    largeOnly,
                    heap,
                    live,
                    oom,
                    recovered,
                    afterDrop,
                    result,
                    options.quota(),
                    quotaAccepted,
                    quotaRun);
            write(r);
            return r;
        } finally {
            for (DashNode n : nodes) {
                n.stop();
            }
        }
    }

    private DashNode ingestor(String name, Map<String, String> props, Path logs) throws Exception {
        int port = PackagedService.freePort();
        Map<String, String> p = new HashMap<>(props);
        p.put("quarkus.http.port", String.valueOf(port));
        p.put("dash.poll.node-id", name);
        return new DashNode(name, "ingestor-service", port, p, options.heap(), logs);
    }

    private static void await(DashNode n) {
        Awaitility.await()
                .alias(n.name + " ready")
                .atMost(Duration.ofSeconds(240))
                .pollInterval(Duration.ofMillis(500))
                .until(n::ready);
    }

    private static void merge(Map<UUID, Set<UUID>> into, Map<UUID, UUID> acked) {
        acked.forEach((event, pipeline) ->
                into.computeIfAbsent(pipeline, k -> new HashSet<>()).add(event));
    }

    /** From the drop until the first moment after which every answer was a 2xx. */
    private static Duration recoveredAfter(List<ClientLog.Outcome> outcomes, long from) {
        long lastBad = from;
        for (ClientLog.Outcome o : outcomes) {
            if (o.status() / 100 != 2) {
                lastBad = o.atMillis();
            }
        }
        return Duration.ofMillis(lastBad - from);
    }

    private void write(Report r) throws java.io.IOException {
        Reconciler.Result x = r.reconciled();
        String b = """
                # Overload, %s

                | what | value |
                |---|---|
                | one node sustains (closed loop, 8 senders) | %.0f requests/s, %.0f events/s |
                | offered (open loop, %.0fx) | %.0f requests/s for %d s, %d sent (%d with ~%d KiB NDJSON bodies), %d not sent (4,000 in flight) |
                | answers under overload | %s |
                | 503/429 with Retry-After | %d of %d |
                | large bodies' answers | %s |
                | heap of the node (-Xmx%s): most in use before a GC, most still live after one | %d MiB, %d MiB |
                | OutOfMemoryError lines | %d |
                | after the drop to half the sustained rate | every request 2xx again after %.1f s; %s |
                | reconciliation | %s |
                | quota %d requests/s offered at 5x through two nodes | %.1f accepted/s; %s |
                """.formatted(
                        Instant.now(),
                        r.sustainedRequestsPerSecond(),
                        r.sustainedEventsPerSecond(),
                        r.options().factor(),
                        r.offeredRequestsPerSecond(),
                        r.options().overload().toSeconds(),
                        r.sent(),
                        r.largeSent(),
                        r.options().largeBytes() / 1024,
                        r.notSent(),
                        r.overload().kinds(),
                        r.overload().refusalsWithRetryAfter(),
                        r.overload().refusalsNeedingRetryAfter(),
                        r.largeOnly().kinds(),
                        r.options().heap(),
                        r.heapMaxMb(),
                        r.liveMaxMb(),
                        r.outOfMemoryErrors(),
                        r.recoveredAfter().toMillis() / 1000.0,
                        r.afterDrop().kinds(),
                        x == null ? "not reconciled" : x.describe(),
                        r.quota(),
                        r.quotaAcceptedPerSecond(),
                        r.quotaRun().kinds());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), b, StandardCharsets.UTF_8);
        System.getLogger("chaos").log(System.Logger.Level.INFO, "\n" + b);
    }
}
