package dev.dash.bench.replay;

import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.json.TreeSubset;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingResult;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The replay's cost per event of decoding a version-2 Bronze line and mapping it, with the body's whole tree against
 * the part the mapping reads ({@code CompiledMapping#bodySubset}): thread CPU time and bytes allocated per event, on
 * one thread, over the benchmark's telemetry events and version 2 of its mapping, alternating the two in rounds
 * (docs/benchmarks.md, issue-replay10). No gunzip, no Silver batch: the part that changed.
 *
 * <pre>
 * java -cp "$(cat bench/replay/target/classpath.txt):bench/replay/target/classes" dev.dash.bench.replay.LineDecodeCost 20000 9
 * </pre>
 */
public final class LineDecodeCost {
    private LineDecodeCost() {}

    public static void main(String[] args) {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant t0 = Instant.parse("2026-12-06T10:00:00Z");
        List<byte[]> lines = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            Instant received = t0.plusMillis(10L * i);
            String delivery = "msg_" + i;
            lines.add(EnvelopeCodec.encodeLine(ReplaySetup.envelope(
                    UUID.randomUUID(),
                    pipeline,
                    team,
                    received,
                    delivery,
                    TelemetryEvents.body(7, i, received.minusMillis(250)))));
        }
        CompiledMapping mapping = MappingCompiler.compile(TelemetryEvents.MAPPING_V2);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        List<double[]> whole = new ArrayList<>();
        List<double[]> subset = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (TreeSubset tree : new TreeSubset[] {TreeSubset.ALL, mapping.bodySubset()}) {
                long cpu = threads.getCurrentThreadCpuTime();
                long bytes = threads.getThreadAllocatedBytes(thread);
                long points = 0;
                for (byte[] l : lines) {
                    EnvelopeCodec.Line line = EnvelopeCodec.decodeLine(l, 0, l.length, tree);
                    RawEnvelope e = line.envelope();
                    MappingResult r = mapping.apply(EventInput.ofJson(e.eventId(), e.receivedAt(), line.json()));
                    points += r.points().size();
                }
                double us = (threads.getCurrentThreadCpuTime() - cpu) / 1000.0 / events;
                double b = (double) (threads.getThreadAllocatedBytes(thread) - bytes) / events;
                if (points != 3L * events) {
                    throw new IllegalStateException("expected 3 points per event, got " + points);
                }
                // The first two rounds warm the JIT up.
                if (round >= 2) {
                    (tree.all() ? whole : subset).add(new double[] {us, b});
                }
            }
        }
        double[] w = median(whole);
        double[] s = median(subset);
        System.out.printf(
                "RESULT label=line-decode events=%d rounds=%d whole_us=%.2f subset_us=%.2f cpu_ratio=%.2f"
                        + " whole_bytes=%.0f subset_bytes=%.0f alloc_ratio=%.2f%n",
                events, rounds - 2, w[0], s[0], s[0] / w[0], w[1], s[1], s[1] / w[1]);
    }

    private static double[] median(List<double[]> xs) {
        double[] us = xs.stream().mapToDouble(x -> x[0]).sorted().toArray();
        double[] b = xs.stream().mapToDouble(x -> x[1]).sorted().toArray();
        return new double[] {us[us.length / 2], b[b.length / 2]};
    }
}
