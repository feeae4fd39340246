package dev.dash.bench.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time of processes on this machine from {@code /proc}, in clock ticks (USER_HZ, 1/100 s on Linux): a process by
 * pid, every PostgreSQL process, the Kafka broker's JVM, the whole machine. Zero where {@code /proc} is missing.
 */
final class ProcCpu {
    static final double TICKS_PER_SECOND = 100.0;

    private ProcCpu() {}

    /** User + system ticks of one process. */
    static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Ticks of {@code {every postgres process, the Kafka broker}} (other users of the shared servers included). */
    static long[] servers() {
        long[] t = new long[2];
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String comm = Files.readString(p.resolve("comm")).trim();
                    if (comm.equals("postgres")) {
                        t[0] += ticks(Long.parseLong(name));
                    } else if (comm.equals("java")
                            && new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                                    .contains("kafka.Kafka")) {
                        t[1] += ticks(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            // no /proc
        }
        return t;
    }

    /** Busy ticks of the whole machine (all CPUs: user, nice, system, irq, softirq, steal). */
    static long machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            return Long.parseLong(f[1])
                    + Long.parseLong(f[2])
                    + Long.parseLong(f[3])
                    + Long.parseLong(f[6])
                    + Long.parseLong(f[7])
                    + Long.parseLong(f[8]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
