package dev.dash.bench.ingest;

import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingResult;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The per-event work that depends on the {@code dash.raw} record format (docs/architecture.md, "The dash.raw record"),
 * format 1 (the JSON envelope) against format 2 (metadata in headers, the body as the value), in one JVM and one run,
 * on one thread: what the ingestor does to produce a record ({@code produce}: {@link RawRecordCodec#encode}), what the
 * Bronze archiver does with it ({@code archive}: {@link RawRecordCodec#head}, the line it stores) and what the Silver
 * writer does ({@code write}: {@link RawRecordCodec#decode} plus the mapping, which parses the body). Measured as
 * thread CPU time and bytes allocated per event ({@code com.sun.management.ThreadMXBean}), which neighbours on a shared
 * machine disturb far less than wall-clock throughput; rounds alternate the formats, medians of the rounds.
 *
 * <p>Payloads: the load generator's sensor reading (180 bytes, the 2-metric mapping of {@link BenchSetup}) and, when
 * run from the repository root, the mapping benchmark's GitHub push (9 KB) and IoT reading (44 points).
 *
 * <pre>
 * java -cp "$(cat bench/ingest/target/classpath.txt):bench/ingest/target/classes" dev.dash.bench.ingest.RawFormats 20000 7
 * </pre>
 */
public final class RawFormats {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private RawFormats() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        List<String[]> payloads = new ArrayList<>();
        payloads.add(new String[] {"sensor-reading", null, BenchSetup.MAPPING});
        Path dir = Path.of("common-model/model/src/test/resources/bench");
        for (String name : new String[] {"github-push", "iot-reading"}) {
            if (Files.exists(dir.resolve(name + ".json"))) {
                payloads.add(new String[] {
                    name,
                    Files.readString(dir.resolve(name + ".json")),
                    Files.readString(dir.resolve(name + ".mapping.json"))
                });
            }
        }
        System.out.println("# per event: thread CPU ns and bytes allocated, medians of " + rounds + " rounds of "
                + events + " events after 2 warm-up rounds");
        for (String[] p : payloads) {
            List<RawEnvelope> envelopes = envelopes(p[0], p[1], events);
            CompiledMapping mapping = MappingCompiler.compile(p[2]);
            List<List<Rec>> records = List.of(records(envelopes, 1), records(envelopes, 2));
            String[] stages = {"produce", "archive", "write"};
            double[][][] cpu = new double[3][2][rounds];
            double[][][] alloc = new double[3][2][rounds];
            for (int round = -2; round < rounds; round++) {
                for (int s = 0; s < 3; s++) {
                    for (int f = 0; f < 2; f++) {
                        // Alternate which format goes first, so neither always follows the other.
                        int format = (round & 1) == 0 ? f : 1 - f;
                        double[] m = measure(stages[s], envelopes, records.get(format), format + 1, mapping);
                        if (round >= 0) {
                            cpu[s][format][round] = m[0] / envelopes.size();
                            alloc[s][format][round] = m[1] / envelopes.size();
                        }
                    }
                }
            }
            for (int s = 0; s < 3; s++) {
                double c1 = median(cpu[s][0]);
                double c2 = median(cpu[s][1]);
                double a1 = median(alloc[s][0]);
                double a2 = median(alloc[s][1]);
                System.out.printf(
                        "RESULT payload=%s stage=%s f1_cpu_ns=%.0f f2_cpu_ns=%.0f cpu_f2_over_f1=%.2f f1_alloc_b=%.0f f2_alloc_b=%.0f alloc_f2_over_f1=%.2f%n",
                        p[0], stages[s], c1, c2, c2 / c1, a1, a2, a2 / a1);
            }
        }
    }

    /** A record as a consumer receives it. */
    private record Rec(RecordHeaders headers, byte[] value) {}

    private static List<Rec> records(List<RawEnvelope> envelopes, int format) {
        List<Rec> out = new ArrayList<>(envelopes.size());
        for (RawEnvelope e : envelopes) {
            RawRecordCodec.Encoded r = RawRecordCodec.encode(e, format);
            out.add(new Rec(new RecordHeaders(r.headers()), r.value()));
        }
        return out;
    }

    /** Thread CPU ns and bytes allocated for one stage over every event. */
    private static double[] measure(
            String stage, List<RawEnvelope> envelopes, List<Rec> records, int format, CompiledMapping mapping) {
        long sink = 0;
        long id = Thread.currentThread().getId();
        long a0 = THREADS.getThreadAllocatedBytes(id);
        long c0 = THREADS.getCurrentThreadCpuTime();
        switch (stage) {
            case "produce" -> {
                for (RawEnvelope e : envelopes) {
                    sink += RawRecordCodec.encode(e, format).value().length;
                }
            }
            case "archive" -> {
                for (Rec r : records) {
                    sink += RawRecordCodec.head(r.headers(), r.value()).line().length;
                }
            }
            default -> {
                for (Rec r : records) {
                    RawEnvelope e = RawRecordCodec.decode(r.headers(), r.value());
                    MappingResult m = mapping.apply(EventInput.of(e));
                    sink += m.ok() ? m.points().size() : -1;
                }
            }
        }
        long c1 = THREADS.getCurrentThreadCpuTime();
        long a1 = THREADS.getThreadAllocatedBytes(id);
        if (sink == 42) {
            System.out.print("");
        }
        return new double[] {c1 - c0, a1 - a0};
    }

    /** Envelopes as the ingestor makes them: signed-webhook metadata, the payload's body. */
    static List<RawEnvelope> envelopes(String name, String json, int n) {
        Random r = new Random(42);
        String[] sites = {"north", "south", "east", "west"};
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant t = Instant.parse("2026-11-21T10:00:00Z");
        List<RawEnvelope> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String body = json != null
                    ? json
                    : "{\"ts\":\"" + t.plusMillis(i) + "\",\"n\":" + i + ",\"device\":\"d-" + (i % 500)
                            + "\",\"site\":\"" + sites[i & 3] + "\",\"temp\":"
                            + Math.round((r.nextDouble() * 50 - 10) * 100) / 100.0
                            + ",\"hum\":" + Math.round(r.nextDouble() * 1000) / 10.0
                            + ",\"firmware\":\"4.2.1\",\"status\":\"OK\"}";
            String delivery = UUID.randomUUID().toString();
            out.add(new RawEnvelope(
                    UuidV7.next(),
                    pipeline,
                    team,
                    t.plusMillis(i),
                    Source.WEBHOOK,
                    delivery,
                    "application/json",
                    Map.of("x-github-event", "push"),
                    body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    VerificationResult.verified(Preset.GITHUB, "s1", delivery)));
        }
        // The same bytes a format-1 record carries, so both formats start from identical envelopes.
        EnvelopeCodec.encode(out.get(0));
        return out;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
