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
import java.time.Instant;
import java.util.ArrayList;
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
 * writer does ({@code write}: {@link RawRecordCodec#decode} plus the mapping, which parses the body). Measured by
 * {@link PerEventRounds}: thread CPU time and bytes allocated per event, rounds alternating the formats, medians of
 * the rounds.
 *
 * <p>Payloads: the load generator's sensor reading (180 bytes, the 2-metric mapping of {@link BenchSetup}) and, when
 * run from the repository root, the mapping benchmark's GitHub push (9 KB) and IoT reading (44 points).
 *
 * <pre>
 * java -cp "$(cat bench/ingest/target/classpath.txt):bench/ingest/target/classes" dev.dash.bench.ingest.RawFormats 20000 7
 * </pre>
 */
public final class RawFormats {
    private RawFormats() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        PerEventRounds.printHeader(rounds, events);
        for (String[] p : PerEventRounds.payloads()) {
            List<RawEnvelope> envelopes = envelopes(p[0], p[1], events);
            CompiledMapping mapping = MappingCompiler.compile(p[2]);
            List<List<Rec>> records = List.of(records(envelopes, 1), records(envelopes, 2));
            String[] stages = {"produce", "archive", "write"};
            PerEventRounds.Medians m = PerEventRounds.measure(
                    stages.length,
                    rounds,
                    envelopes.size(),
                    (s, f) -> run(stages[s], envelopes, records.get(f), f + 1, mapping));
            PerEventRounds.printResults(p[0], stages, 'f', m);
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

    /** One stage over every event. */
    private static long run(
            String stage, List<RawEnvelope> envelopes, List<Rec> records, int format, CompiledMapping mapping) {
        long sink = 0;
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
        return sink;
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
}
