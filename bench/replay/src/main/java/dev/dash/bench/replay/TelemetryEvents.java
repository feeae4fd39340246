package dev.dash.bench.replay;

import dev.dash.model.mapping.Point;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The benchmark's events: a device gateway's telemetry webhook, about 500 bytes of compact JSON (ids, a
 * device block, five readings, status, tags, gateway health), 2,000 devices on 24 sites in 4 regions and of
 * 3 models. Version 1 of the mapping (active) keeps temperature and humidity by site; version 2, the change
 * being replayed, adds pressure (hPa converted to kPa and rounded) and labels every point by site, region and
 * lower-cased model: 3 points per event, 72 label sets per metric. Everything is a function of the event's
 * index, so a run is reproducible.
 */
final class TelemetryEvents {
    static final String MAPPING_V1 = """
            {"version":1,"description":"temperature and humidity by site",
             "time":{"path":"/created_at","format":"iso8601"},
             "fields":[{"name":"temperature_c","path":"/readings/temperature_c","type":"number"},
                       {"name":"humidity_pct","path":"/readings/humidity_pct","type":"number"},
                       {"name":"site","path":"/device/site","type":"string"}],
             "metrics":["temperature_c","humidity_pct"],"labels":["site"]}
            """;

    static final String MAPPING_V2 = """
            {"version":1,"description":"adds pressure in kPa; labels by site, region and model",
             "time":{"path":"/created_at","format":"iso8601"},
             "fields":[{"name":"temperature_c","path":"/readings/temperature_c","type":"number"},
                       {"name":"humidity_pct","path":"/readings/humidity_pct","type":"number"},
                       {"name":"pressure_kpa","path":"/readings/pressure_hpa","type":"number",
                        "transform":[{"op":"unit","from":"hPa","to":"kPa"},{"op":"round","digits":3}]},
                       {"name":"site","path":"/device/site","type":"string"},
                       {"name":"region","path":"/device/region","type":"string"},
                       {"name":"model","path":"/device/model","type":"string","transform":[{"op":"lowercase"}]}],
             "metrics":["temperature_c","humidity_pct","pressure_kpa"],"labels":["site","region","model"]}
            """;

    private static final String[] REGIONS = {"eu-central", "eu-west", "us-east", "ap-south"};
    private static final String[] SITES = {
        "berlin-01", "berlin-02", "hamburg-01", "munich-01", "vienna-01", "zurich-01",
        "dublin-01", "dublin-02", "paris-01", "lyon-01", "madrid-01", "lisbon-01",
        "boston-01", "newyork-01", "newyork-02", "atlanta-01", "miami-01", "toronto-01",
        "mumbai-01", "pune-01", "chennai-01", "delhi-01", "bangalore-01", "hyderabad-01"
    };
    private static final String[] MODELS = {"TX-400", "TX-410", "RX-20"};
    private static final String[] FIRMWARE = {"4.2.1", "4.2.3", "4.3.0"};
    private static final int DEVICES = 2_000;

    private TelemetryEvents() {}

    /** The body of event {@code index} of a stream, created at {@code createdAt}. */
    static byte[] body(long seed, long index, Instant createdAt) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
        int device = r.nextInt(DEVICES);
        int site = device % SITES.length;
        StringBuilder b = new StringBuilder(560);
        b.append("{\"id\":\"evt_")
                .append(Long.toHexString(seed))
                .append('_')
                .append(index)
                .append("\",\"type\":\"telemetry.reading\",\"created_at\":\"")
                .append(createdAt)
                .append("\",\"device\":{\"id\":\"dev-")
                .append(String.format("%06d", device))
                .append("\",\"model\":\"")
                .append(MODELS[device % MODELS.length])
                .append("\",\"firmware\":\"")
                .append(FIRMWARE[device % FIRMWARE.length])
                .append("\",\"site\":\"")
                .append(SITES[site])
                .append("\",\"region\":\"")
                .append(REGIONS[site / 6])
                .append("\"},\"readings\":{\"temperature_c\":")
                .append(Math.round((18 + r.nextDouble() * 12) * 100) / 100.0)
                .append(",\"humidity_pct\":")
                .append(Math.round((30 + r.nextDouble() * 40) * 10) / 10.0)
                .append(",\"pressure_hpa\":")
                .append(Math.round((990 + r.nextDouble() * 40) * 10) / 10.0)
                .append(",\"battery_v\":")
                .append(Math.round((3.4 + r.nextDouble() * 0.8) * 100) / 100.0)
                .append(",\"rssi_dbm\":")
                .append(-40 - r.nextInt(60))
                .append("},\"status\":\"ok\",\"tags\":[\"prod\",\"line-")
                .append((char) ('a' + device % 4))
                .append("\"],\"gateway\":{\"id\":\"gw-")
                .append(site * 4 + device % 4)
                .append("\",\"uptime_s\":")
                .append(1_000_000 + index / 10)
                .append(",\"queue_depth\":")
                .append(r.nextInt(8))
                .append(",\"fw\":\"gw-2.9.14\"},\"location\":{\"lat\":")
                .append(Math.round((r.nextDouble() * 120 - 60) * 10_000) / 10_000.0)
                .append(",\"lon\":")
                .append(Math.round((r.nextDouble() * 360 - 180) * 10_000) / 10_000.0)
                .append("},\"schema\":\"telemetry/v3\"}");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Appends the metric rows of one event in the text format and column order {@code SilverStore} COPYs into
     * {@code metrics}: time, pipeline, team, metric, labels (JSON, keys sorted), value, event, version, seq.
     */
    static int appendRows(StringBuilder b, UUID pipeline, UUID team, UUID event, int version, List<Point> points) {
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            b.append(p.time())
                    .append('\t')
                    .append(pipeline)
                    .append('\t')
                    .append(team)
                    .append('\t')
                    .append(p.metric())
                    .append('\t');
            labels(b, p.labels());
            b.append('\t')
                    .append(p.value())
                    .append('\t')
                    .append(event)
                    .append('\t')
                    .append(version)
                    .append('\t')
                    .append(i)
                    .append('\n');
        }
        return points.size();
    }

    /** Labels as SilverStore writes them (the generated values need no escaping: plain letters, digits, '-'). */
    private static void labels(StringBuilder b, Map<String, String> labels) {
        b.append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append('"')
                    .append(e.getKey())
                    .append("\":\"")
                    .append(e.getValue())
                    .append('"');
        }
        b.append('}');
    }
}
