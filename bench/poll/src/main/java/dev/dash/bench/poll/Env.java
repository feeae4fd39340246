package dev.dash.bench.poll;

/** The benchmark's settings, from the environment run.sh exports (defaults in run.sh). */
final class Env {
    final String pgHost = get("DASH_PG_HOST", "127.0.0.1");
    final String pgPort = get("DASH_PG_PORT", "15432");
    final String pgUser = get("DASH_PG_USER", "dash");
    final String pgPassword = get("DASH_PG_PASSWORD", "dash");
    final String kafka = get("DASH_KAFKA_BOOTSTRAP", "127.0.0.1:19092");
    final String db = get("BENCH_DB", "dash_bench_poll");
    final String keys = get("BENCH_KEYS", "");
    final String groupPrefix = get("BENCH_GROUP_PREFIX", "bench-poll");
    final String ingestor = get("BENCH_INGESTOR_URL", "http://127.0.0.1:18184");
    final long ingestorPid = Long.parseLong(get("BENCH_INGESTOR_PID", "0"));
    final int dedupeWindow = Integer.parseInt(get("DEDUPE_WINDOW", "259200"));

    static String get(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v;
    }

    static int integer(String name, int def) {
        return Integer.parseInt(get(name, String.valueOf(def)));
    }
}
