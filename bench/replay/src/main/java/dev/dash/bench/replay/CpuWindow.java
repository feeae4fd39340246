package dev.dash.bench.replay;

import java.sql.Connection;

/**
 * The CPU split ({@link CpuSplit}) over one window, for a phase no other program of the benchmark times (the ingest
 * load's measured window): waits {@code bench.delay} seconds, reads, waits {@code bench.seconds}, reads again and
 * prints one {@code RESULT} line.
 */
public final class CpuWindow {
    private CpuWindow() {}

    public static void main(String[] args) throws Exception {
        CpuSplit cpu = new CpuSplit(BenchEnv.prop("pids", ""));
        Thread.sleep((long) (Double.parseDouble(BenchEnv.prop("delay", "0")) * 1000));
        CpuSplit.Reading a;
        CpuSplit.Reading b;
        try (Connection c = BenchEnv.dataSource().getConnection()) {
            a = cpu.read(CpuSplit.backends(c));
            Thread.sleep((long) (Double.parseDouble(BenchEnv.prop("seconds")) * 1000));
            b = cpu.read(CpuSplit.backends(c));
        }
        System.out.println("RESULT label=" + BenchEnv.prop("label", "cpu") + " " + CpuSplit.between(a, b));
    }
}
