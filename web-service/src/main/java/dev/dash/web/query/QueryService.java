package dev.dash.web.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.json.Json;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.Sql;
import dev.dash.web.auth.Access;
import dev.dash.web.config.WebConfig;
import dev.dash.web.pipeline.PipelineService;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Series over Silver for one pipeline and metric, on the pipeline's active mapping version only. Long
 * ranges read the 1-minute or 1-hour rollups up to their watermark plus the raw rows after it (on both Silver
 * variants), so a 30-day chart reads hundreds of rows, not millions; hour buckets read the hour still open from
 * the 1-minute rollup up to its watermark, leaving a minute or two of raw rows.
 */
@ApplicationScoped
public class QueryService {
    public static final List<String> AGGREGATIONS = List.of("avg", "min", "max", "sum", "count", "last");

    private final Pool pool;
    private final Access access;
    private final PipelineService pipelines;
    private final WebConfig config;
    private final AtomicReference<String> variant = new AtomicReference<>();

    public QueryService(Pool pool, Access access, PipelineService pipelines, WebConfig config) {
        this.pool = pool;
        this.access = access;
        this.pipelines = pipelines;
        this.config = config;
    }

    /**
     * A series request.
     *
     * @param labels label values the points must have (others may be present)
     * @param bucket bucket size (ISO-8601 duration such as {@code PT5M}), null for automatic
     */
    public record SeriesRequest(
            String metric, Map<String, String> labels, Instant from, Instant to, String bucket, String aggregation) {}

    public record SeriesPoint(Instant t, double v) {}

    public record Series(Map<String, String> labels, List<SeriesPoint> points) {}

    /**
     * @param source where the buckets came from: {@code raw}, {@code rollup_1m} or {@code rollup_1h}
     */
    public record SeriesResult(
            UUID pipelineId,
            String metric,
            Integer mappingVersion,
            Instant from,
            Instant to,
            long bucketSeconds,
            String aggregation,
            String source,
            List<Series> series) {}

    public Uni<SeriesResult> series(UUID teamId, UUID pipelineId, SeriesRequest in) {
        return access.require(teamId, Role.VIEWER).flatMap(a -> series(a.teamId(), pipelineId, in, false));
    }

    /** For public dashboards: the caller was authorised by the link, the team by the dashboard. */
    public Uni<SeriesResult> series(UUID teamId, UUID pipelineId, SeriesRequest in, boolean alreadyAuthorised) {
        Parsed q = parse(in);
        return Sql.one(
                        pool,
                        r -> new Object[] {r.getUUID("id"), r.getInteger("active_mapping_version")},
                        "SELECT id, active_mapping_version FROM pipelines WHERE id = $1 AND team_id = $2",
                        pipelineId,
                        teamId)
                .flatMap(p -> {
                    if (p == null) {
                        throw ApiException.notFound("pipeline");
                    }
                    Integer version = (Integer) p[1];
                    if (version == null) {
                        return Uni.createFrom().item(result(pipelineId, q, null, "raw", List.of()));
                    }
                    return cuts(q).flatMap(cuts -> Sql.list(
                                    pool,
                                    r -> new Row(
                                            r.getString("labels"),
                                            Sql.instant(r, "b"),
                                            r.getLong("n"),
                                            r.getDouble("total"),
                                            r.getDouble("min_value"),
                                            r.getDouble("max_value"),
                                            r.getDouble("last_value")),
                                    SeriesSql.sql(q.level()),
                                    params(pipelineId, version, q, cuts))
                            .map(rows ->
                                    result(pipelineId, q, version, source(q.level()), group(rows, q.aggregation()))));
                });
    }

    private record Row(String labels, Instant bucket, long n, double total, double min, double max, double last) {}

    private record Parsed(
            String metric,
            String labelFilter,
            Instant from,
            Instant to,
            Duration bucket,
            SeriesSql.Level level,
            String aggregation) {}

    private Parsed parse(SeriesRequest in) {
        Checks c = Checks.start().require("body", in);
        c.orThrow();
        Instant to = in.to() == null ? Instant.now() : in.to();
        Instant from = in.from() == null ? to.minus(Duration.ofHours(24)) : in.from();
        c.text("metric", in.metric(), true, 200).oneOf("aggregation", in.aggregation(), AGGREGATIONS, false);
        if (!from.isBefore(to)) {
            c.fail("from", "must be before to");
        } else if (Duration.between(from, to).compareTo(config.query().maxRange()) > 0) {
            c.fail(
                    "from",
                    "the range may be at most " + config.query().maxRange().toDays() + " days");
        }
        Duration bucket = null;
        if (in.bucket() != null) {
            try {
                bucket = Duration.parse(in.bucket());
                if (!SeriesSql.BUCKETS.contains(bucket)) {
                    c.fail(
                            "bucket",
                            "must be one of PT1S, PT5S, PT10S, PT30S, PT1M, PT5M, PT15M, PT30M, PT1H, PT3H, PT6H, PT12H, P1D, P7D");
                }
            } catch (RuntimeException e) {
                c.fail("bucket", "must be an ISO-8601 duration such as PT5M");
            }
        }
        c.orThrow();
        Duration range = Duration.between(from, to);
        if (bucket == null) {
            bucket = SeriesSql.autoBucket(range, config.query().maxPoints());
        } else if (range.toSeconds() / bucket.toSeconds() > config.query().maxPoints() * 10L) {
            throw ApiException.invalid(
                    "bucket",
                    "too small for the range (more than " + config.query().maxPoints() * 10L + " buckets)");
        }
        String labels = null;
        if (in.labels() != null && !in.labels().isEmpty()) {
            ObjectNode o = Json.nodes().objectNode();
            in.labels().forEach(o::put);
            labels = o.toString();
        }
        return new Parsed(
                in.metric(),
                labels,
                SeriesSql.floor(from, bucket),
                SeriesSql.ceil(to, bucket),
                bucket,
                SeriesSql.level(bucket),
                in.aggregation() == null ? "avg" : in.aggregation());
    }

    /** The statement's parameters ({@link SeriesSql}): $9, the minute cut, only at the hour level. */
    private static Object[] params(UUID pipelineId, Integer version, Parsed q, Instant[] cuts) {
        List<Object> p = new ArrayList<>(
                List.of(pipelineId, version, q.metric(), q.from(), q.to(), cuts[0], SeriesSql.interval(q.bucket())));
        p.add(q.labelFilter());
        if (q.level() == SeriesSql.Level.HOUR) {
            p.add(cuts[1]);
        }
        return p.toArray();
    }

    /**
     * Where rollup rows stop and raw rows take over: the rollup's watermark (the plain variant's job watermark, a
     * continuous aggregate's own on TimescaleDB, whose aggregates are read materialised only), rounded down to
     * the rollup's buckets. The same on both variants, so both give the same series. At the hour level also the
     * minute cut ({@link SeriesSql#minuteCut}), from the 1-minute rollup's own watermark: the minute tier between
     * the two; else both equal. One call answers both watermarks ({@code dash_rollup_watermarks()}, V94: one
     * catalog scan, its plan kept for the session).
     */
    private Uni<Instant[]> cuts(Parsed q) {
        if (q.level() == SeriesSql.Level.RAW) {
            return Uni.createFrom().item(new Instant[] {q.from(), q.from()});
        }
        return Sql.one(
                        pool,
                        r -> new Instant[] {Sql.instant(r, "hour_rollup"), Sql.instant(r, "minute_rollup")},
                        "SELECT hour_rollup, minute_rollup FROM dash_rollup_watermarks()")
                .map(w -> {
                    if (q.level() == SeriesSql.Level.MINUTE) {
                        Instant cut = w == null || w[1] == null ? q.from() : SeriesSql.floor(w[1], q.level().size);
                        return new Instant[] {cut, cut};
                    }
                    Instant hour = w == null || w[0] == null ? q.from() : SeriesSql.floor(w[0], q.level().size);
                    return new Instant[] {hour, SeriesSql.minuteCut(hour, w == null ? null : w[1])};
                });
    }

    /** {@code SELECT dash_silver_variant()}, asked once. */
    public Uni<String> variant() {
        String known = variant.get();
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return Sql.one(pool, r -> r.getString("v"), "SELECT dash_silver_variant() AS v")
                .invoke(variant::set);
    }

    private static String source(SeriesSql.Level level) {
        return switch (level) {
            case RAW -> "raw";
            case MINUTE -> "rollup_1m";
            case HOUR -> "rollup_1h";
        };
    }

    private static List<Series> group(List<Row> rows, String aggregation) {
        Map<String, List<SeriesPoint>> byLabels = new LinkedHashMap<>();
        for (Row r : rows) {
            double v = switch (aggregation) {
                case "min" -> r.min();
                case "max" -> r.max();
                case "sum" -> r.total();
                case "count" -> r.n();
                case "last" -> r.last();
                default -> r.total() / r.n();
            };
            byLabels.computeIfAbsent(r.labels(), k -> new ArrayList<>()).add(new SeriesPoint(r.bucket(), v));
        }
        List<Series> out = new ArrayList<>();
        byLabels.forEach((labels, points) -> out.add(new Series(labels(labels), points)));
        return out;
    }

    private static Map<String, String> labels(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            JsonNode n = Json.parse(json);
            n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private static SeriesResult result(UUID pipelineId, Parsed q, Integer version, String source, List<Series> series) {
        return new SeriesResult(
                pipelineId,
                q.metric(),
                version,
                q.from(),
                q.to(),
                q.bucket().toSeconds(),
                q.aggregation(),
                source,
                series);
    }

    // ---- quarantine and storage ----

    /** A team's Silver points: the 1-hour rollup before its watermark, raw rows after it (both variants). */
    private static final String POINTS = """
            WITH w AS (SELECT date_trunc('hour', greatest(dash_rollup_watermark('metrics_1h'), '1970-01-01'::timestamptz)) AS h)
            SELECT
              coalesce((SELECT sum(n) FROM metrics_1h, w WHERE team_id = $1 AND bucket < w.h), 0)::bigint
                + (SELECT count(*) FROM metrics, w WHERE team_id = $1 AND time >= w.h) AS points,
            """;

    public record QuarantinedEvent(
            long id,
            UUID eventId,
            int mappingVersion,
            Instant receivedAt,
            JsonNode errors,
            String bronzeKey,
            Instant resolvedAt) {}

    public Uni<List<QuarantinedEvent>> quarantine(
            UUID teamId, UUID pipelineId, Integer limit, Long beforeId, boolean includeResolved) {
        int n = limit == null ? 100 : limit;
        Checks.start().range("limit", n, 1, 1000).orThrow();
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> pipelines.require(a, pipelineId))
                .flatMap(p -> Sql.list(
                        pool,
                        r -> new QuarantinedEvent(
                                r.getLong("id"),
                                r.getUUID("event_id"),
                                r.getInteger("mapping_version"),
                                Sql.instant(r, "received_at"),
                                Sql.json(r, "errors"),
                                r.getString("bronze_key"),
                                Sql.instant(r, "resolved_at")),
                        """
                        SELECT id, event_id, mapping_version, received_at, errors::text AS errors, bronze_key, resolved_at
                        FROM quarantine
                        WHERE pipeline_id = $1 AND team_id = $2 AND ($3::bigint IS NULL OR id < $3)
                          AND ($4 OR resolved_at IS NULL)
                        ORDER BY id DESC LIMIT $5
                        """,
                        pipelineId,
                        teamId,
                        beforeId,
                        includeResolved,
                        n));
    }

    /**
     * Storage a team uses.
     *
     * @param points Silver points (all mapping versions), counted from the 1-hour rollups plus the raw tail
     * @param silverBytesEstimate points times the average stored size of a row (with indexes)
     * @param bronzeBytes compressed raw events in the archive
     */
    public record Storage(
            UUID teamId,
            long points,
            long silverBytesEstimate,
            long records,
            long bronzeBytes,
            long bronzeEvents,
            long limitBytes) {}

    public Uni<Storage> storage(UUID teamId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> variant())
                .flatMap(v -> Sql.one(
                        pool,
                        r -> new Storage(
                                teamId,
                                r.getLong("points"),
                                (long) (r.getLong("points") * r.getDouble("row_bytes")),
                                r.getLong("records"),
                                r.getLong("bronze_bytes"),
                                r.getLong("bronze_events"),
                                r.getLong("limit_bytes")),
                        (v.equals("timescaledb") ? TIMESCALE_SILVER_SIZE : PLAIN_SILVER_SIZE) + STORAGE_REST,
                        teamId));
    }

    /**
     * Points and bytes per point on plain PostgreSQL: the 1-hour rollup before its watermark plus the raw tail,
     * and the partitions' size over their rows.
     */
    private static final String PLAIN_SILVER_SIZE = POINTS + """
              coalesce((SELECT pg_total_relation_size('metrics'::regclass)::float8
                       + coalesce((SELECT sum(pg_total_relation_size(inhrelid))::float8 FROM pg_inherits
                                   WHERE inhparent = 'metrics'::regclass), 0)) /
                       nullif((SELECT sum(greatest(c.reltuples, 0)) FROM pg_class c
                               JOIN pg_inherits i ON i.inhrelid = c.oid
                               WHERE i.inhparent = 'metrics'::regclass), 0), 100) AS row_bytes,
            """;

    /**
     * On TimescaleDB: the same count (the 1-hour aggregate is read materialised only, up to its watermark), and
     * the hypertable's size, compressed chunks included, over its approximate row count.
     */
    private static final String TIMESCALE_SILVER_SIZE = POINTS + """
              coalesce(hypertable_size('metrics')::float8 / nullif(approximate_row_count('metrics'), 0), 100) AS row_bytes,
            """;

    private static final String STORAGE_REST = """
              (SELECT count(*) FROM pipeline_records WHERE team_id = $1) AS records,
              coalesce((SELECT sum(bytes) FROM bronze_manifest b JOIN pipelines p ON p.id = b.pipeline_id
                        WHERE p.team_id = $1), 0)::bigint AS bronze_bytes,
              coalesce((SELECT sum(events) FROM bronze_manifest b JOIN pipelines p ON p.id = b.pipeline_id
                        WHERE p.team_id = $1), 0)::bigint AS bronze_events,
              (SELECT storage_limit_gb::bigint * 1073741824 FROM teams WHERE id = $1) AS limit_bytes
            """;
}
