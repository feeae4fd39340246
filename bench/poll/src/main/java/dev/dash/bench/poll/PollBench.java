package dev.dash.bench.poll;

/**
 * The polling benchmark's driver (bench/poll/run.sh, docs/benchmarks.md "Polling"). Commands:
 *
 * <ul>
 *   <li>{@code setup}: the benchmark's own database, migrated; this run's consumer groups at the topics' ends;
 *   <li>{@code throughput}: records/s pulled from the local API against the same records as NDJSON webhooks;
 *   <li>{@code schedule}: the polling pipelines one ingestor keeps on schedule.
 * </ul>
 *
 * Settings come from the environment ({@link Env}); results are printed as {@code RESULT} lines.
 */
public final class PollBench {
    private PollBench() {}

    public static void main(String[] args) throws Exception {
        Env env = new Env();
        BenchDb db = new BenchDb(env);
        Probe probe = new Probe(env.ingestor, env.ingestorPid);
        switch (args[0]) {
            case "setup" -> db.setup();
            case "throughput" -> new Throughput(env, db, probe).run();
            case "schedule" -> new Schedule(db, probe).run();
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
        System.exit(0);
    }
}
