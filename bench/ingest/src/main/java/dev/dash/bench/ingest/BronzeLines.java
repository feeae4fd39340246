package dev.dash.bench.ingest;

import dev.dash.model.bronze.BronzeReader;
import dev.dash.model.bronze.BronzeWriter;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The per-event work that depends on the Bronze line version (docs/architecture.md, "The Bronze line"), version 1
 * (the body an escaped JSON string) against version 2 (a JSON body unescaped), in one JVM and one run, on one
 * thread, measured by {@link PerEventRounds} as {@link RawFormats} measures the dash.raw formats: thread CPU time
 * and bytes allocated per event, rounds alternating the versions, medians of the rounds.
 *
 * <ul>
 *   <li>{@code archive}: the Bronze archiver's line for a format-2 record ({@link RawRecordCodec#head(
 *       org.apache.kafka.common.header.Headers, byte[], int)} with the line version), then the object's gzip
 *       stream (level 3, the archiver's default);
 *   <li>{@code replay}: the replay's reading of one object ({@link BronzeReader}: gunzip, the line) and the
 *       mapping: a version-1 line is decoded, then its body parsed by the mapping; a version-2 line is parsed once
 *       and the mapping maps the tree ({@link BronzeReader#nextLine()}), as {@code ReplayJob} does.
 * </ul>
 *
 * Also prints the compressed and uncompressed bytes per event of each version's object.
 *
 * <pre>
 * java -cp "$(cat bench/ingest/target/classpath.txt):bench/ingest/target/classes" dev.dash.bench.ingest.BronzeLines 20000 7
 * </pre>
 */
public final class BronzeLines {
    private BronzeLines() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        PerEventRounds.printHeader(rounds, events);
        for (String[] p : PerEventRounds.payloads()) {
            // The files end with a newline, which a provider would not send (and a line break keeps a body
            // escaped in a version-2 line): the body as a webhook carries it.
            String body = p[1] == null ? null : p[1].strip();
            List<RawEnvelope> envelopes = RawFormats.envelopes(p[0], body, events);
            CompiledMapping mapping = MappingCompiler.compile(p[2]);
            List<RecordHeaders> headers = new ArrayList<>(envelopes.size());
            for (RawEnvelope e : envelopes) {
                headers.add(new RecordHeaders(RawRecordCodec.encode(e, 2).headers()));
            }
            byte[][] objects = {object(envelopes, 1), object(envelopes, 2)};
            String[] stages = {"archive", "replay"};
            PerEventRounds.Medians m = PerEventRounds.measure(
                    stages.length,
                    rounds,
                    envelopes.size(),
                    (s, v) -> run(stages[s], envelopes, headers, objects[v], v + 1, mapping));
            PerEventRounds.printResults(p[0], stages, 'v', m);
            byte[] line = EnvelopeCodec.encodeLine(envelopes.get(0));
            System.out.printf(
                    "RESULT payload=%s v1_gz_b=%.0f v2_gz_b=%.0f v1_line_b=%d v2_line_b=%d embedded=%b%n",
                    p[0],
                    (double) objects[0].length / envelopes.size(),
                    (double) objects[1].length / envelopes.size(),
                    EnvelopeCodec.encode(envelopes.get(0)).length + 1,
                    line.length + 1,
                    EnvelopeCodec.decodeLine(line, 0, line.length, true).json() != null);
        }
    }

    private static byte[] object(List<RawEnvelope> envelopes, int version) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BronzeWriter w = new BronzeWriter(out, 3)) {
            for (RawEnvelope e : envelopes) {
                w.write(e, version);
            }
            w.finish();
        }
        return out.toByteArray();
    }

    /** One stage over every event. */
    private static long run(
            String stage,
            List<RawEnvelope> envelopes,
            List<RecordHeaders> headers,
            byte[] object,
            int version,
            CompiledMapping mapping)
            throws IOException {
        long sink = 0;
        if (stage.equals("archive")) {
            try (BronzeWriter w = new BronzeWriter(OutputStreamSink.INSTANCE, 3)) {
                for (int i = 0; i < envelopes.size(); i++) {
                    w.write(RawRecordCodec.head(headers.get(i), envelopes.get(i).body(), version));
                }
                sink += w.finish().bytes();
            }
        } else {
            try (BronzeReader r = new BronzeReader(new ByteArrayInputStream(object))) {
                for (EnvelopeCodec.Line l; (l = version == 1 ? v1(r) : r.nextLine()) != null; ) {
                    RawEnvelope e = l.envelope();
                    MappingResult m = mapping.apply(
                            l.json() != null
                                    ? EventInput.ofJson(e.eventId(), e.receivedAt(), l.json())
                                    : EventInput.of(e));
                    sink += m.ok() ? m.points().size() : -1;
                }
            }
        }
        return sink;
    }

    /** A version-1 line as the replay read it before: the envelope only, the body parsed by the mapping. */
    private static EnvelopeCodec.Line v1(BronzeReader r) throws IOException {
        RawEnvelope e = r.next();
        return e == null ? null : new EnvelopeCodec.Line(e, null);
    }

    /** Discards what the archiver would upload. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
