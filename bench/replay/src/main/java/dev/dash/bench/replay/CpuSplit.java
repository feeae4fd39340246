package dev.dash.bench.replay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the machine's CPU went over a window, from {@code /proc}, in cores (CPU seconds per wall second): each
 * named process with its direct children; PostgreSQL (the process named {@code postgres}) split by
 * {@link #backends}; of the process named {@code replay} also its JIT compiler threads ({@code replay_jit}, a part of
 * {@code replay}, not added to the sum); then the rest of the machine, idle and steal. For each
 * group also the time its threads were runnable but waited for a CPU ({@code wait_*}, from {@code schedstat}, in
 * the same unit): on a shared 2-core machine that shows who was starved. Processes that end inside the window lose
 * their share to "other".
 */
final class CpuSplit {
    private static final double TICKS = 100.0; // USER_HZ on Linux

    /**
     * One reading: per process its group and {cpu ticks, run-queue wait ns}, and the machine's busy, idle and steal
     * ticks.
     */
    record Reading(
            long nanos, Map<Integer, String> group, Map<Integer, long[]> use, long busy, long idle, long steal) {}

    private final Map<String, Integer> pids;

    /** {@code spec}: {@code name=pid,name=pid}; empty pids are skipped. */
    CpuSplit(String spec) {
        pids = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String[] kv = part.split("=");
            if (kv.length == 2 && !kv[1].isBlank()) {
                pids.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
            }
        }
    }

    /**
     * PostgreSQL's processes by role, from {@code pg_stat_activity}: {@code pg_bench} for the client backends of the
     * connection's database, {@code pg_server} for the server's own processes (WAL writer, checkpointer, background
     * writer, autovacuum), {@code pg_other_db} for other databases' client backends.
     */
    static Map<Integer, String> backends(Connection c) throws SQLException {
        Map<Integer, String> out = new HashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("""
                        SELECT pid, CASE WHEN backend_type <> 'client backend' THEN 'pg_server'
                                         WHEN datname = current_database() THEN 'pg_bench' ELSE 'pg_other_db' END
                        FROM pg_stat_activity WHERE pid IS NOT NULL""")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getString(2));
            }
        }
        return out;
    }

    Reading read(Map<Integer, String> postgresRoles) {
        Map<Integer, long[]> all = processes();
        Map<Integer, String> group = new LinkedHashMap<>();
        Map<Integer, long[]> use = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            for (var e : all.entrySet()) {
                int p = e.getKey();
                if ((p == pid || e.getValue()[1] == pid) && !group.containsKey(p)) {
                    String g = !name.equals("postgres")
                            ? name
                            : p == pid ? "pg_server" : postgresRoles.getOrDefault(p, "pg_other_db");
                    group.put(p, g);
                    use.put(p, new long[] {e.getValue()[0], runQueueWait(p)});
                }
            }
            if (name.equals("replay") && all.containsKey(pid)) {
                // A part of the replay JVM's figure (not added to it): its JIT compiler threads, which a JVM not yet
                // warm spends CPU on during the window.
                group.put(-pid, "replay_jit");
                use.put(-pid, compilerThreads(pid));
            }
        });
        long[] cpu = machine();
        return new Reading(System.nanoTime(), group, use, cpu[0], cpu[1], cpu[2]);
    }

    /**
     * "cpu_name=cores ... cpu_other cpu_idle cpu_steal wait_name=cores ..." between two readings, per process over
     * those alive at the second (a process started in between counts whole; one that ended counts as other).
     */
    static String between(Reading a, Reading b) {
        double wall = (b.nanos() - a.nanos()) / 1e9;
        Map<String, long[]> groups = new LinkedHashMap<>();
        for (String g : new LinkedHashSet<>(b.group().values())) {
            groups.put(g, new long[2]);
        }
        if (b.group().containsValue("pg_server")) {
            for (String g : List.of("pg_bench", "pg_server", "pg_other_db")) {
                groups.putIfAbsent(g, new long[2]);
            }
        }
        b.group().forEach((pid, g) -> {
            long[] now = b.use().get(pid);
            long[] then = a.use().getOrDefault(pid, new long[2]);
            groups.get(g)[0] += now[0] - then[0];
            groups.get(g)[1] += now[1] - then[1];
        });
        StringBuilder s = new StringBuilder();
        StringBuilder w = new StringBuilder();
        long named = 0;
        for (var e : groups.entrySet()) {
            if (!e.getKey().endsWith("_jit")) { // a part of its process's figure, already counted
                named += e.getValue()[0];
            }
            s.append("cpu_")
                    .append(e.getKey())
                    .append('=')
                    .append(cores(e.getValue()[0] / TICKS, wall))
                    .append(' ');
            w.append(" wait_").append(e.getKey()).append('=').append(cores(e.getValue()[1] / 1e9, wall));
        }
        s.append("cpu_other=")
                .append(cores((b.busy() - a.busy() - named) / TICKS, wall))
                .append(' ');
        s.append("cpu_idle=").append(cores((b.idle() - a.idle()) / TICKS, wall)).append(' ');
        s.append("cpu_steal=").append(cores((b.steal() - a.steal()) / TICKS, wall));
        return s.append(w).toString();
    }

    private static String cores(double seconds, double wall) {
        return String.format("%.2f", seconds / wall);
    }

    /** pid to {utime + stime, ppid} of every process. */
    private static Map<Integer, long[]> processes() {
        Map<Integer, long[]> out = new LinkedHashMap<>();
        try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    // After the command name in parentheses: state ppid ... utime(14) stime(15).
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.put(
                            Integer.parseInt(name),
                            new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[1])});
                } catch (IOException | RuntimeException gone) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc", e);
        }
        return out;
    }

    /** {cpu ticks, run-queue wait ns} of the process's JIT compiler threads (C1, C2). */
    private static long[] compilerThreads(int pid) {
        long ticks = 0;
        long wait = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (!comm.startsWith("C1 Compiler") && !comm.startsWith("C2 Compiler")) {
                        continue;
                    }
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    wait += Long.parseLong(
                            Files.readString(t.resolve("schedstat")).trim().split(" ")[1]);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process ended meanwhile
        }
        return new long[] {ticks, wait};
    }

    /** Nanoseconds the process's threads spent runnable but waiting for a CPU (second field of schedstat). */
    private static long runQueueWait(int pid) {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    sum += Long.parseLong(
                            Files.readString(t.resolve("schedstat")).trim().split(" ")[1]);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process ended meanwhile
        }
        return sum;
    }

    /** {busy, idle, steal} ticks of all CPUs, from the first line of /proc/stat. */
    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long user = Long.parseLong(f[1]);
            long nice = Long.parseLong(f[2]);
            long system = Long.parseLong(f[3]);
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle + iowait
            long irq = Long.parseLong(f[6]) + Long.parseLong(f[7]);
            long steal = Long.parseLong(f[8]);
            return new long[] {user + nice + system + irq, idle, steal};
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/stat", e);
        }
    }
}
