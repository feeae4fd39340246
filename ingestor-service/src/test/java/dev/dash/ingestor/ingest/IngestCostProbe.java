package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test but a measurement (docs/benchmarks.md, issue-ingestpath): the ingest role's exact CPU time and bytes
 * allocated per accepted event, from {@code com.sun.management.ThreadMXBean}'s per-thread counters, for batches of
 * 100 GitHub-signed 180-byte events (NDJSON) and for single events, against the real Kafka and PostgreSQL (every
 * request has a fresh delivery id, so it goes through the dedupe claim and commit). The load comes from plain
 * blocking sockets on threads of its own ({@code probe-client-*}), closed loop, so the node's threads are told
 * apart by name: the HTTP event loops (HTTP, the checks, the envelope, the Kafka send, the reactive PostgreSQL
 * client), the ingest producer's network thread, the consumers (Bronze archiver, Silver writer, sinks, p2p: their
 * threads by name; the test profile's, no profile of its own so that the test suite builds no application for it),
 * and everything else.
 *
 * <pre>
 * ./mvnw -B -o -pl ingestor-service -am verify -Dtest=IngestCostProbe -Dsurefire.failIfNoSpecifiedTests=false \
 *   -DskipITs -Dingestprobe=true -DargLine=-Xmx1g [-Dingestprobe.warmup=20 -Dingestprobe.measure=20 -Dingestprobe.rounds=2]
 * </pre>
 *
 * Results are printed and appended to {@code target/ingest-cost-probe.txt}.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIfSystemProperty(named = "ingestprobe", matches = "true")
class IngestCostProbe {
    private static final String CLIENT = "probe-client-";

    @Inject
    PipelineRepository repository;

    @TestHTTPResource("/")
    URI base;

    TestPipelines pipelines;
    Created github;

    @BeforeAll
    void setUp() throws Exception {
        pipelines = new TestPipelines();
        github = pipelines.create(Spec.of("github"));
        pipelines.publish(repository.load(github.id()));
    }

    @AfterAll
    void tearDown() {
        pipelines.close();
    }

    @Test
    void perEventCost() throws Exception {
        long warmup = Long.getLong("ingestprobe.warmup", 20);
        long measure = Long.getLong("ingestprobe.measure", 20);
        int rounds = Integer.getInteger("ingestprobe.rounds", 2);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            Map<Integer, Long> s = new HashMap<>();
            run(1, 1, 0, 1, s);
            return s.containsKey(202);
        });
        for (int r = 1; r <= rounds; r++) {
            report("batch", r, 100, 8, warmup, measure);
            report("single", r, 1, 32, warmup, measure);
        }
    }

    private void report(String mode, int round, int batch, int clients, long warmup, long measure) throws Exception {
        Map<Integer, Long> statuses = new ConcurrentHashMap<>();
        Window w = run(batch, clients, warmup, measure, statuses);
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                "PROBE mode=%s round=%d batch=%d clients=%d from=%s to=%s events=%d events_per_s=%.0f",
                mode,
                round,
                batch,
                clients,
                w.from.toString().substring(11, 19),
                w.to.toString().substring(11, 19),
                w.events,
                w.events / (double) measure));
        for (Map.Entry<String, long[]> e : w.byGroup.entrySet()) {
            if (e.getKey().equals("client")) {
                continue;
            }
            b.append(String.format(
                    " %s_cpu_us=%.2f %s_bytes=%.0f",
                    e.getKey(), e.getValue()[0] / 1e3 / w.events, e.getKey(), e.getValue()[1] / (double) w.events));
        }
        b.append(" statuses=").append(new TreeMap<>(statuses));
        String line = b.toString();
        System.out.println(line);
        Files.writeString(
                Path.of("target/ingest-cost-probe.txt"),
                Instant.now() + " " + line + "\n",
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        assertThat(statuses.keySet()).containsOnly(202);
    }

    /** The counters' deltas over the measured window, per thread group: {cpu ns, bytes}. */
    record Window(long events, Map<String, long[]> byGroup, Instant from, Instant to) {}

    private Window run(int batch, int clients, long warmupSeconds, long measureSeconds, Map<Integer, Long> statuses)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong events = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(
                    () -> {
                        try {
                            client(batch, stop, events, statuses);
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    },
                    CLIENT + i);
            threads.add(t);
            t.start();
        }
        Thread.sleep(warmupSeconds * 1000);
        Instant from = Instant.now();
        Map<Long, long[]> before = counters();
        long e0 = events.get();
        Thread.sleep(measureSeconds * 1000);
        Map<Long, long[]> after = counters();
        long e1 = events.get();
        Instant to = Instant.now();
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertThat(failures).isEmpty();
        Map<String, long[]> byGroup = new TreeMap<>();
        for (Map.Entry<Long, long[]> a : after.entrySet()) {
            long[] b = before.get(a.getKey());
            if (b == null) {
                b = new long[] {0, 0, a.getValue()[2]};
            }
            long[] sum = byGroup.computeIfAbsent(groupOf(names.get(a.getKey())), k -> new long[2]);
            sum[0] += a.getValue()[0] - b[0];
            sum[1] += a.getValue()[1] - b[1];
        }
        long[] node = new long[2];
        byGroup.forEach((k, v) -> {
            if (!k.equals("client")) {
                node[0] += v[0];
                node[1] += v[1];
            }
        });
        byGroup.put("node", node);
        long[] ingest = new long[2];
        for (String g : List.of("loops", "producer")) {
            long[] v = byGroup.getOrDefault(g, new long[2]);
            ingest[0] += v[0];
            ingest[1] += v[1];
        }
        byGroup.put("ingest", ingest);
        return new Window(Math.max(1, e1 - e0), byGroup, from, to);
    }

    private final Map<Long, String> names = new ConcurrentHashMap<>();

    private static String groupOf(String name) {
        if (name == null) {
            return "other";
        }
        if (name.startsWith(CLIENT)) {
            return "client";
        }
        if (name.startsWith("vert.x-eventloop-thread")) {
            return "loops";
        }
        if (name.startsWith("kafka-producer-network-thread") && name.contains("dash-ingest")) {
            return "producer";
        }
        for (String consumer : List.of("bronze", "silver", "points", "sink", "p2p", "heartbeat")) {
            if (name.contains(consumer)) {
                return "consumers";
            }
        }
        return "other";
    }

    /** Every live thread's {cpu ns, allocated bytes}. */
    private Map<Long, long[]> counters() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Map<Long, long[]> out = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            long id = t.getId();
            long cpu = mx.getThreadCpuTime(id);
            long bytes = mx.getThreadAllocatedBytes(id);
            if (cpu >= 0 && bytes >= 0) {
                names.put(id, t.getName());
                out.put(id, new long[] {cpu, bytes, 0});
            }
        }
        return out;
    }

    /** One keep-alive connection, one request at a time, until stopped. */
    private void client(int batch, AtomicBoolean stop, AtomicLong events, Map<Integer, Long> statuses)
            throws IOException {
        SignatureSigner signer = SignatureSigner.forPreset(PresetConfig.of(Preset.GITHUB));
        SecretMaterial secret = SecretMaterial.of(github.secretId().toString(), github.secret());
        String path = "/ingest/" + github.id();
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
            do {
                byte[] body = readings(batch);
                Map<String, String> headers = signer.sign(body, secret, Instant.now(), null);
                StringBuilder h = new StringBuilder(512);
                h.append("POST ").append(path).append(" HTTP/1.1\r\n");
                h.append("Host: ")
                        .append(base.getHost())
                        .append(':')
                        .append(base.getPort())
                        .append("\r\n");
                h.append("Content-Type: ")
                        .append(batch > 1 ? "application/x-ndjson" : "application/json")
                        .append("\r\n");
                h.append("Content-Length: ").append(body.length).append("\r\n");
                headers.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
                h.append("\r\n");
                out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                int status = readResponse(in);
                statuses.merge(status, 1L, Long::sum);
                if (status == 202) {
                    events.addAndGet(batch);
                }
            } while (!stop.get());
        }
    }

    /** Reads one response with a Content-Length; returns its status. */
    private static int readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = 0;
        String l;
        while (!(l = line(in)).isEmpty()) {
            int colon = l.indexOf(':');
            if (l.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(l.substring(colon + 1).trim());
            }
        }
        in.readNBytes(length);
        return status;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static final String[] SITES = {"north", "south", "east", "west"};
    private static final AtomicLong SEQ = new AtomicLong();

    /** The load generator's readings (bench/ingest LoadGenerator.readings): about 180 bytes each. */
    static byte[] readings(int count) {
        StringBuilder b = new StringBuilder(count * 190);
        String ts = Instant.now().toString();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < count; i++) {
            long n = SEQ.incrementAndGet();
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
            if (count > 1) {
                b.append('\n');
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
