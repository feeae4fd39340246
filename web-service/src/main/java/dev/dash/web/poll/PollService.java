package dev.dash.web.poll;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.api.ApiError;
import dev.dash.model.api.ApiException;
import dev.dash.model.api.FieldError;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompileException;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.pipeline.PipelineStatus;
import dev.dash.model.poll.Pager;
import dev.dash.model.poll.PollState;
import dev.dash.model.poll.SourceClient;
import dev.dash.model.poll.SourceConfigException;
import dev.dash.model.poll.SourceException;
import dev.dash.model.poll.SourceSpec;
import dev.dash.model.team.Role;
import dev.dash.web.api.Sql;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.mapping.MappingService;
import dev.dash.web.pipeline.PipelineService;
import dev.dash.web.pipeline.Pipelines.Pipeline;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The poll status of a polling pipeline, "poll now" (its next run moved to now, taken by the ingestor that
 * claims it next) and the dry run of a source, which fetches the first page from this node and applies the
 * mapping without storing anything.
 */
@ApplicationScoped
public class PollService {
    private static final int SAMPLE = 50;

    private final Pool pool;
    private final Access access;
    private final PipelineService pipelines;
    private final AuditLog audit;
    private final SourceChecks sources;
    private final SourceClient client;

    public PollService(
            Pool pool,
            Access access,
            PipelineService pipelines,
            AuditLog audit,
            SourceChecks sources,
            WebPollConfig config,
            Vertx vertx) {
        this.pool = pool;
        this.access = access;
        this.pipelines = pipelines;
        this.audit = audit;
        this.sources = sources;
        this.client = new SourceClient(
                vertx,
                sources.guard(),
                config.testTimeout(),
                config.testTimeout(),
                config.testMaxResponseSize().asLongValue());
    }

    @PreDestroy
    void close() {
        client.close();
    }

    public Uni<PollStatus> status(UUID teamId, UUID pipelineId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> pipelines.require(a, pipelineId))
                .map(PollService::polling)
                .flatMap(this::load);
    }

    private static Pipeline polling(Pipeline p) {
        if (!"polling".equals(p.type())) {
            throw ApiException.conflict("type", "is " + p.type() + "; only polling pipelines are polled");
        }
        return p;
    }

    private Uni<PollStatus> load(Pipeline p) {
        return Sql.one(pool, r -> r, """
                        SELECT owner_node, lease_until > now() AS running, next_poll_at, last_polled_at, last_finished_at,
                               last_status, last_error, last_error_at, consecutive_failures, last_records, last_pages,
                               total_records, total_polls, late_polls, cursor::text AS cursor
                        FROM poll_state WHERE pipeline_id = $1
                        """, p.id()).map(r -> toStatus(p, r));
    }

    private static PollStatus toStatus(Pipeline p, Row r) {
        boolean active = p.status() == PipelineStatus.ACTIVE;
        if (r == null) {
            return new PollStatus(
                    p.id(),
                    active ? "never_polled" : "paused",
                    p.intervalSeconds(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    null,
                    null);
        }
        boolean running = Boolean.TRUE.equals(r.getBoolean("running"));
        String state = running ? "running" : active ? "scheduled" : "paused";
        return new PollStatus(
                p.id(),
                state,
                p.intervalSeconds(),
                running ? r.getString("owner_node") : null,
                Sql.instant(r, "last_polled_at"),
                Sql.instant(r, "last_finished_at"),
                r.getString("last_status"),
                r.getString("last_error"),
                Sql.instant(r, "last_error_at"),
                r.getInteger("consecutive_failures"),
                r.getLong("last_records"),
                r.getInteger("last_pages"),
                r.getLong("total_records"),
                r.getLong("total_polls"),
                r.getLong("late_polls"),
                active ? Sql.instant(r, "next_poll_at") : null,
                Sql.json(r, "cursor"));
    }

    /** Moves the next run to now; a run under way finishes first (a poll never overlaps itself). */
    public Uni<PollStatus> pollNow(UUID teamId, UUID pipelineId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pipelines
                        .require(a, pipelineId)
                        .map(PollService::polling)
                        .flatMap(p -> {
                            if (p.status() != PipelineStatus.ACTIVE) {
                                throw ApiException.conflict(
                                        "status", "is " + p.status().dbName() + "; resume the pipeline first");
                            }
                            return pool.withTransaction(tx -> Sql.run(tx, """
                                            INSERT INTO poll_state (pipeline_id, next_poll_at) VALUES ($1, now())
                                            ON CONFLICT (pipeline_id) DO UPDATE SET next_poll_at = now(), updated_at = now()
                                            """, pipelineId)
                                            .flatMap(x -> audit.record(
                                                    tx,
                                                    a.actor(),
                                                    teamId,
                                                    "pipeline.poll_now",
                                                    "pipeline",
                                                    pipelineId,
                                                    null,
                                                    null)))
                                    .flatMap(x -> load(p))
                                    .invoke(s -> Log.infof("Pipeline %s: poll requested now", pipelineId));
                        }));
    }

    /** Fetches the first page and maps its records; stores nothing. */
    public Uni<SourceTest> test(UUID teamId, UUID pipelineId, SourceTest.Request in) {
        SourceTest.Request req = in == null ? new SourceTest.Request(null, null, null) : in;
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pipelines.get(teamId, pipelineId))
                .map(PollService::polling)
                .flatMap(p -> mapping(p, req.mapping()).map(m -> new Object[] {p, m}))
                .flatMap(pm -> {
                    Pipeline p = (Pipeline) pm[0];
                    JsonNode mappingDoc = (JsonNode) pm[1];
                    String type = req.sourceType() != null ? req.sourceType() : p.sourceType();
                    JsonNode config = req.sourceConfig() != null ? req.sourceConfig() : p.sourceConfig();
                    SourceSpec spec;
                    try {
                        spec = SourceSpec.parse(type, config, sources.guard());
                    } catch (SourceConfigException e) {
                        throw ApiException.invalid(e.field(), e.reason());
                    }
                    CompiledMapping mapping = null;
                    if (mappingDoc != null) {
                        try {
                            mapping = MappingCompiler.compile(mappingDoc);
                        } catch (MappingCompileException | IllegalArgumentException e) {
                            throw ApiException.invalid("mapping", e.getMessage());
                        }
                    }
                    CompiledMapping m = mapping;
                    return Uni.createFrom()
                            .item(() -> fetch(spec, m))
                            .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
                });
    }

    private Uni<JsonNode> mapping(Pipeline p, JsonNode given) {
        if (given != null) {
            return Uni.createFrom().item(given);
        }
        return Sql.one(
                pool,
                r -> Sql.json(r, "document"),
                "SELECT document::text AS document FROM data_mappings WHERE pipeline_id = $1 AND status = 'active'",
                p.id());
    }

    private SourceTest fetch(SourceSpec spec, CompiledMapping mapping) {
        Pager.Call call = Pager.request(
                spec,
                PollState.Position.FIRST,
                spec.incremental() == null ? null : spec.incremental().initial());
        SourceClient.Response r;
        Pager.Page page;
        try {
            r = client.fetch(spec, call);
            page = Pager.parse(
                    spec, PollState.Position.FIRST, r.url(), r.headers().get("link"), r.body());
        } catch (SourceException e) {
            if (e.kind() == SourceException.Kind.REFUSED) {
                throw ApiException.invalid(
                        "source_config.url", e.getMessage().replaceFirst("^source_config\\.url ", ""));
            }
            throw new ApiException(new ApiError(
                    502,
                    "source_failed",
                    "the source did not give a usable first page: " + e.getMessage(),
                    List.of(new FieldError("source_config", e.kind().name().toLowerCase(java.util.Locale.ROOT)))));
        }
        List<JsonNode> sample =
                page.records().subList(0, Math.min(SAMPLE, page.records().size()));
        MappingService.Preview preview = null;
        if (mapping != null) {
            Instant now = Instant.now();
            preview = MappingService.preview(
                    mapping,
                    "source_test",
                    sample.stream().map(j -> EventInput.ofJson(null, now, j)).toList());
        }
        String url = call.url().getScheme() + "://" + call.url().getRawAuthority()
                + call.url().getRawPath();
        return new SourceTest(
                url, r.status(), page.records().size(), List.copyOf(sample), page.next() != null, preview);
    }
}
