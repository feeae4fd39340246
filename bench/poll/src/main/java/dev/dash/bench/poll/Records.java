package dev.dash.bench.poll;

import java.time.Instant;

/**
 * The records of the benchmark, the same for both paths: record {@code k} of listing {@code listing} is always
 * the same JSON (the shape of the ingest benchmark's events: a time, two numbers, two labels and two fields the
 * mapping ignores), so the local API serves exactly the records the webhook sender posts.
 */
final class Records {
    static final String MAPPING = """
            {"version":1,"time":{"path":"/ts","format":"iso8601"},
             "fields":[{"name":"temp","path":"/temp","type":"number"},{"name":"hum","path":"/hum","type":"number"},
                       {"name":"site","path":"/site","type":"string"},{"name":"device","path":"/device","type":"string"}],
             "metrics":["temp","hum"],"labels":["site","device"]}
            """;
    /** Silver rows per record: the mapping's two metrics. */
    static final int ROWS_PER_RECORD = 2;

    private static final String[] SITES = {"north", "south", "east", "west"};

    private final long baseMillis;

    /** @param base the time of record 0 of every listing (records follow at one millisecond apart) */
    Records(Instant base) {
        this.baseMillis = base.toEpochMilli();
    }

    /** Appends record {@code k} of listing {@code listing} as one line of JSON (no newline). */
    void append(StringBuilder b, String listing, long k) {
        long h = mix(listing.hashCode() * 1_000_003L + k);
        b.append("{\"id\":\"")
                .append(listing)
                .append('-')
                .append(k)
                .append("\",\"ts\":\"")
                .append(Instant.ofEpochMilli(baseMillis + k))
                .append("\",\"device\":\"d-")
                .append(k % 500)
                .append("\",\"site\":\"")
                .append(SITES[(int) (k & 3)])
                .append("\",\"temp\":")
                .append(Math.floorMod(h, 5000) / 100.0 - 10)
                .append(",\"hum\":")
                .append(Math.floorMod(h >>> 20, 1000) / 10.0)
                .append(",\"firmware\":\"4.2.1\",\"status\":\"OK\"}");
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
