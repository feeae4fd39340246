package dev.dash.bench.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The measuring loop {@link RawFormats} and {@link BronzeLines} share: the per-event work of some stages under two
 * variants (two record formats, two line versions), in one JVM, on one thread, as thread CPU time and bytes
 * allocated per event ({@code com.sun.management.ThreadMXBean}), which neighbours on a shared machine disturb far
 * less than wall-clock throughput. Two warm-up rounds, then rounds that alternate which variant goes first, so
 * neither always follows the other; the medians of the rounds.
 */
final class PerEventRounds {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private PerEventRounds() {}

    /** One stage over every event in one variant (0 or 1); returns something of the work so the JIT keeps it. */
    interface Work {
        long run(int stage, int variant) throws IOException;
    }

    /**
     * Per-event medians.
     *
     * @param cpuNs thread CPU ns, by stage and variant
     * @param allocBytes bytes allocated, by stage and variant
     */
    record Medians(double[][] cpuNs, double[][] allocBytes) {}

    /**
     * The payloads: the load generator's sensor reading ({@code name}, null body, {@link BenchSetup}'s mapping)
     * and, when run from the repository root, the mapping benchmark's GitHub push and IoT reading (name, body,
     * mapping).
     */
    static List<String[]> payloads() throws IOException {
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
        return payloads;
    }

    /** The line that heads the results. */
    static void printHeader(int rounds, int events) {
        System.out.println("# per event: thread CPU ns and bytes allocated, medians of " + rounds + " rounds of "
                + events + " events after 2 warm-up rounds");
    }

    /** Runs every stage in both variants, two warm-up rounds and {@code rounds} measured ones. */
    static Medians measure(int stages, int rounds, int events, Work work) {
        double[][][] cpu = new double[stages][2][rounds];
        double[][][] alloc = new double[stages][2][rounds];
        for (int round = -2; round < rounds; round++) {
            for (int s = 0; s < stages; s++) {
                for (int v = 0; v < 2; v++) {
                    // Alternate which variant goes first, so neither always follows the other.
                    int variant = (round & 1) == 0 ? v : 1 - v;
                    double[] m = once(work, s, variant);
                    if (round >= 0) {
                        cpu[s][variant][round] = m[0] / events;
                        alloc[s][variant][round] = m[1] / events;
                    }
                }
            }
        }
        double[][] cpuMedians = new double[stages][2];
        double[][] allocMedians = new double[stages][2];
        for (int s = 0; s < stages; s++) {
            for (int v = 0; v < 2; v++) {
                cpuMedians[s][v] = median(cpu[s][v]);
                allocMedians[s][v] = median(alloc[s][v]);
            }
        }
        return new Medians(cpuMedians, allocMedians);
    }

    /**
     * One {@code RESULT} line a stage: both variants' CPU and allocation and their ratios, the variants named
     * {@code <letter>1} and {@code <letter>2}.
     */
    static void printResults(String payload, String[] stages, char letter, Medians m) {
        printResults(payload, stages, letter + "1", letter + "2", m);
    }

    /** One {@code RESULT} line a stage: both variants' CPU and allocation and their ratios, the variants named so. */
    static void printResults(String payload, String[] stages, String a, String b, Medians m) {
        String format = "RESULT payload=%s stage=%s " + a + "_cpu_ns=%.0f " + b + "_cpu_ns=%.0f cpu_" + b + "_over_" + a
                + "=%.2f " + a + "_alloc_b=%.0f " + b + "_alloc_b=%.0f alloc_" + b + "_over_" + a + "=%.2f%n";
        for (int s = 0; s < stages.length; s++) {
            double c1 = m.cpuNs()[s][0];
            double c2 = m.cpuNs()[s][1];
            double a1 = m.allocBytes()[s][0];
            double a2 = m.allocBytes()[s][1];
            System.out.printf(format, payload, stages[s], c1, c2, c2 / c1, a1, a2, a2 / a1);
        }
    }

    /** Thread CPU ns and bytes allocated for one stage over every event. */
    private static double[] once(Work work, int stage, int variant) {
        long id = Thread.currentThread().getId();
        long a0 = THREADS.getThreadAllocatedBytes(id);
        long c0 = THREADS.getCurrentThreadCpuTime();
        long sink;
        try {
            sink = work.run(stage, variant);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long c1 = THREADS.getCurrentThreadCpuTime();
        long a1 = THREADS.getThreadAllocatedBytes(id);
        if (sink == 42) {
            System.out.print("");
        }
        return new double[] {c1 - c0, a1 - a0};
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
