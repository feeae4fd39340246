package dev.dash.model.envelope;

import dev.dash.model.bronze.BronzeWriter;
import dev.dash.model.json.Utf8;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test but a measurement (docs/benchmarks.md, "The Bronze archiver's CPU per event", issue-archiver): the parts of
 * the archiver's line and gzip work per event, each alone on this thread, exact (the thread's CPU time and allocated
 * bytes, {@code com.sun.management.ThreadMXBean}); medians of rounds over the ingest benchmark's readings as format-3
 * records. The stages run in turn within each round, so each sees the same machine.
 *
 * <pre>
 * ./mvnw -B -o -pl common-model/model verify -Dtest=ArchiveLineCost -Dsurefire.failIfNoSpecifiedTests=false \
 *   -DskipITs -Darchiverprobe=true -DargLine=-Xmx1g
 * cat common-model/model/target/archive-line-cost.txt
 * </pre>
 */
@EnabledIfSystemProperty(named = "archiverprobe", matches = "true")
class ArchiveLineCost {
    static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void perEvent() throws Exception {
        int n = Integer.getInteger("archiverprobe.events", 50_000);
        int rounds = Integer.getInteger("archiverprobe.rounds", 9);
        List<RawEnvelope> envelopes = dev.dash.model.testing.Readings.envelopes(n);
        List<Headers> headers = new ArrayList<>(n);
        List<byte[]> metas = new ArrayList<>(n);
        List<byte[]> bodies = new ArrayList<>(n);
        for (RawEnvelope e : envelopes) {
            RawRecordCodec.Encoded r = RawRecordCodec.encode(e);
            headers.add(new RecordHeaders(r.headers()));
            metas.add(r.headers().get(1).value());
            bodies.add(r.value());
        }
        List<EnvelopeCodec.Head> heads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            heads.add(RawRecordCodec.head(headers.get(i), bodies.get(i)));
        }
        Map<String, ToLongFunction<Integer>> stages = new LinkedHashMap<>();
        stages.put(
                "head (all of it)",
                i -> RawRecordCodec.head(headers.get(i), bodies.get(i)).line().length);
        stages.put("RawMeta.read", i -> RawMeta.read(metas.get(i)).receivedAt.getNano());
        stages.put("embeddable(body)", i -> EnvelopeCodec.embeddable(bodies.get(i)) ? 1 : 0);
        stages.put("embeddableByParser(body) (before)", i -> EnvelopeCodec.embeddableByParser(bodies.get(i)) ? 1 : 0);
        stages.put("JsonValueCheck.oneValue(body)", i -> JsonValueCheck.oneValue(bodies.get(i)) ? 1 : 0);
        stages.put("Utf8.isValid(body)", i -> Utf8.isValid(bodies.get(i)) ? 1 : 0);
        stages.put("line(meta, body)", i -> EnvelopeCodec.line(metas.get(i), bodies.get(i)).length);
        Map<String, long[][]> results = new LinkedHashMap<>();
        for (int round = -3; round < rounds; round++) {
            for (Map.Entry<String, ToLongFunction<Integer>> s : stages.entrySet()) {
                long sink = 0;
                long[] c = start();
                for (int i = 0; i < n; i++) {
                    sink += s.getValue().applyAsLong(i);
                }
                record(results, s.getKey(), round, rounds, c, sink);
            }
            for (int level : new int[] {1, 3}) {
                // Fresh heads, as the archiver gets them: written in parts.
                List<EnvelopeCodec.Head> fresh = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    fresh.add(RawRecordCodec.head(headers.get(i), bodies.get(i)));
                }
                long[] c = start();
                long bytes;
                try (BronzeWriter w = new BronzeWriter(Discard.INSTANCE, level)) {
                    for (EnvelopeCodec.Head h : fresh) {
                        w.write(h);
                    }
                    bytes = w.finish().bytes();
                }
                record(results, "gzip level " + level + " (BronzeWriter, after)", round, rounds, c, bytes);
            }
            // As BronzeWriter wrote before issue-archiver: each line joined, then it and its newline into gzip.
            {
                long[] c = start();
                Counting counted = new Counting();
                try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(counted, 64 * 1024) {
                    {
                        def.setLevel(3);
                    }
                }) {
                    for (int i = 0; i < n; i++) {
                        gz.write(EnvelopeCodec.embeddedLine(metas.get(i), bodies.get(i)));
                        gz.write('\n');
                    }
                }
                record(results, "gzip level 3, a line per call (before)", round, rounds, c, counted.count);
            }
        }
        List<String> lines = new ArrayList<>();
        long lineBytes = 0;
        for (EnvelopeCodec.Head h : heads) {
            lineBytes += h.line().length + 1;
        }
        lines.add(String.format(
                Locale.ROOT, "LINE events=%d rounds=%d line=%.1f B/event", n, rounds, lineBytes / (double) n));
        for (Map.Entry<String, long[][]> r : results.entrySet()) {
            lines.add(String.format(
                    Locale.ROOT,
                    "LINE %-34s %8.1f ns/event %8.1f B/event  (sink %.0f)",
                    r.getKey(),
                    median(r.getValue(), 0) / n,
                    median(r.getValue(), 1) / n,
                    median(r.getValue(), 2)));
        }
        lines.forEach(System.out::println);
        Files.writeString(
                Path.of("target/archive-line-cost.txt"), Instant.now() + "\n" + String.join("\n", lines) + "\n");
    }

    static long[] start() {
        return new long[] {
            MX.getCurrentThreadCpuTime(),
            MX.getThreadAllocatedBytes(Thread.currentThread().getId())
        };
    }

    static void record(Map<String, long[][]> results, String stage, int round, int rounds, long[] c, long sink) {
        long cpu = MX.getCurrentThreadCpuTime() - c[0];
        long bytes = MX.getThreadAllocatedBytes(Thread.currentThread().getId()) - c[1];
        if (round >= 0) {
            results.computeIfAbsent(stage, s -> new long[rounds][])[round] = new long[] {cpu, bytes, sink};
        }
    }

    static double median(long[][] rounds, int i) {
        long[] v = Arrays.stream(rounds).mapToLong(r -> r[i]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
    }

    /** Counts and discards. */
    static final class Counting extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }

    /** Discards what the archiver would upload. */
    static final class Discard extends OutputStream {
        static final Discard INSTANCE = new Discard();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) throws IOException {}
    }
}
