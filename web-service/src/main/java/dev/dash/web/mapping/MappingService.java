package dev.dash.web.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.inference.FieldSuggestion;
import dev.dash.model.inference.InferenceResult;
import dev.dash.model.inference.SchemaInference;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompileException;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingError;
import dev.dash.model.mapping.MappingPreview;
import dev.dash.model.mapping.MappingProblem;
import dev.dash.model.mapping.MappingResult;
import dev.dash.model.mapping.MappingStatus;
import dev.dash.model.mapping.Point;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.UniqueViolations;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.mapping.repository.MappingVersionEntity;
import dev.dash.web.mapping.repository.MappingVersionRepository;
import dev.dash.web.pipeline.ControlPublisher;
import dev.dash.web.pipeline.PipelineService;
import dev.dash.web.pipeline.repository.PipelineRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Mapping versions of a pipeline: immutable; saving one makes it the pending version n+1, published on
 * {@code dash.control} for the Silver writers (dual write) and the replay service (cut-over). Versions are read
 * and written through {@link MappingVersionRepository} (Hibernate Reactive Panache), the save audited in its
 * transaction.
 */
@ApplicationScoped
public class MappingService {
    static final int MAX_SAMPLES = 100;

    private final Access access;
    private final PipelineService pipelines;
    private final AuditLog audit;
    private final ControlPublisher control;
    private final RecentEvents recent;
    private final PipelineRepository pipelineRows;
    private final MappingVersionRepository versions;

    public MappingService(
            Access access,
            PipelineService pipelines,
            AuditLog audit,
            ControlPublisher control,
            RecentEvents recent,
            PipelineRepository pipelineRows,
            MappingVersionRepository versions) {
        this.pipelineRows = pipelineRows;
        this.versions = versions;
        this.access = access;
        this.pipelines = pipelines;
        this.audit = audit;
        this.control = control;
        this.recent = recent;
    }

    public record MappingVersion(
            int version,
            MappingStatus status,
            JsonNode document,
            UUID createdBy,
            Instant dualWriteStartedAt,
            Instant activatedAt,
            Instant insertedAt) {}

    public record SaveMapping(JsonNode document) {}

    /** A document to check, and for previews the samples (JSON bodies); without samples, recent events. */
    public record PreviewRequest(JsonNode document, List<JsonNode> samples, Integer limit) {}

    public record Problem(String pointer, String reason) {}

    public record Validation(boolean valid, List<Problem> problems, List<String> metrics, List<String> labels) {}

    public record PreviewPoint(Instant time, String metric, Map<String, String> labels, double value) {}

    public record PreviewError(String field, String code, String reason, int index) {}

    public record PreviewEntry(
            UUID eventId,
            Instant receivedAt,
            boolean ok,
            List<PreviewPoint> points,
            List<PreviewError> errors,
            int skippedByFilter) {}

    /**
     * @param source {@code samples} or {@code recent_events}
     */
    public record Preview(
            String source, int events, int mapped, int quarantined, int points, List<PreviewEntry> entries) {}

    public record Inference(
            JsonNode mapping, List<FieldSuggestion> fields, Preview preview, int samples, int unusable) {}

    private static MappingVersion version(MappingVersionEntity v) {
        return new MappingVersion(
                v.version, v.status, v.document, v.createdBy, v.dualWriteStartedAt, v.activatedAt, v.insertedAt);
    }

    public Uni<List<MappingVersion>> list(UUID teamId, UUID pipelineId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> pipelines.require(a, pipelineId))
                .flatMap(p -> Panache.withSession(() -> versions.ofPipeline(pipelineId)))
                .map(list -> list.stream().map(MappingService::version).toList());
    }

    public Uni<MappingVersion> get(UUID teamId, UUID pipelineId, int version) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> pipelines.require(a, pipelineId))
                .flatMap(p -> Panache.withSession(() -> versions.ofPipeline(pipelineId, version)))
                .map(v -> {
                    if (v == null) {
                        throw ApiException.notFound("mapping version");
                    }
                    return version(v);
                });
    }

    /**
     * Saves the document as the pipeline's pending version n+1, with the pipeline row locked (so two saves take
     * turns), and moves the pipeline's revision in the same transaction, which queues its snapshot.
     */
    public Uni<MappingVersion> save(UUID teamId, UUID pipelineId, SaveMapping in) {
        Checks.start().require("document", in == null ? null : in.document()).orThrow();
        return access.require(teamId, Role.ADMIN)
                // 400 with every problem, before anything is stored.
                .invoke(a -> MappingCompiler.compile(in.document()))
                .flatMap(a -> Panache.withTransaction(() -> pipelineRows
                                .lock(teamId, pipelineId)
                                .chain(pipeline -> {
                                    if (pipeline == null) {
                                        throw ApiException.notFound("pipeline");
                                    }
                                    return versions.pending(pipelineId)
                                            .chain(pending -> {
                                                if (pending != null) {
                                                    throw ApiException.conflict(
                                                            "version " + pending
                                                                    + " is pending (its replay has not finished); cancel it first");
                                                }
                                                return versions.newest(pipelineId);
                                            })
                                            .chain(newest -> {
                                                MappingVersionEntity v = new MappingVersionEntity();
                                                v.id = UUID.randomUUID();
                                                v.pipelineId = pipelineId;
                                                v.version = newest + 1;
                                                v.status = MappingStatus.PENDING;
                                                v.document = in.document();
                                                v.createdBy = a.actor().userId();
                                                return versions.persistAndFlush(v)
                                                        .call(x -> pipelineRows.touch(pipeline))
                                                        .map(x -> version(v));
                                            });
                                })
                                .call(saved -> audit.record(
                                        a.actor(),
                                        teamId,
                                        "mapping.save",
                                        "mapping",
                                        pipelineId + "/" + saved.version(),
                                        null,
                                        saved)))
                        .onFailure()
                        .transform(e -> UniqueViolations.is(e)
                                ? ApiException.conflict("another version was saved at the same time")
                                : e)
                        .call(saved -> control.publish(pipelineId))
                        .invoke(saved ->
                                Log.infof("Mapping v%d of pipeline %s saved (pending)", saved.version(), pipelineId)));
    }

    public Uni<Validation> validate(UUID teamId, UUID pipelineId, PreviewRequest in) {
        Checks.start().require("document", in == null ? null : in.document()).orThrow();
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pipelines.require(a, pipelineId))
                .map(p -> {
                    try {
                        CompiledMapping m = MappingCompiler.compile(in.document());
                        return new Validation(true, List.of(), m.metrics(), m.labels());
                    } catch (MappingCompileException e) {
                        return new Validation(false, problems(e.problems()), List.of(), List.of());
                    }
                });
    }

    private static List<Problem> problems(List<MappingProblem> problems) {
        return problems.stream().map(p -> new Problem(p.pointer(), p.message())).toList();
    }

    public Uni<Preview> preview(UUID teamId, UUID pipelineId, PreviewRequest in) {
        Checks.start().require("document", in == null ? null : in.document()).orThrow();
        int limit = limit(in.limit(), in.samples());
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pipelines.require(a, pipelineId))
                .flatMap(p -> {
                    CompiledMapping mapping = MappingCompiler.compile(in.document());
                    return inputs(pipelineId, in.samples(), limit)
                            .map(inputs -> preview(mapping, inputs.source(), inputs.events()));
                });
    }

    public Uni<Inference> infer(UUID teamId, UUID pipelineId, PreviewRequest in) {
        int limit = limit(in == null ? null : in.limit(), in == null ? null : in.samples());
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pipelines.require(a, pipelineId))
                .flatMap(p -> inputs(pipelineId, in == null ? null : in.samples(), limit))
                .map(inputs -> {
                    if (inputs.events().isEmpty()) {
                        throw ApiException.invalid("samples", "no samples given and no recent events of the pipeline");
                    }
                    InferenceResult r;
                    try {
                        r = SchemaInference.infer(
                                inputs.events().stream().map(EventInput::json).toList());
                    } catch (IllegalArgumentException e) {
                        throw ApiException.invalid("samples", e.getMessage());
                    }
                    return new Inference(
                            r.mapping(),
                            r.fields(),
                            preview(r.compiled(), inputs.source(), inputs.events()),
                            r.samples(),
                            r.unusable());
                });
    }

    private static int limit(Integer limit, List<JsonNode> samples) {
        Checks.start().range("limit", limit, 1, MAX_SAMPLES).orThrow();
        if (samples != null && samples.size() > MAX_SAMPLES) {
            throw ApiException.invalid("samples", "at most " + MAX_SAMPLES + " samples");
        }
        return limit == null ? 20 : limit;
    }

    private record Inputs(String source, List<EventInput> events) {}

    private Uni<Inputs> inputs(UUID pipelineId, List<JsonNode> samples, int limit) {
        if (samples != null && !samples.isEmpty()) {
            Instant now = Instant.now();
            return Uni.createFrom()
                    .item(new Inputs(
                            "samples",
                            samples.stream()
                                    .map(s -> EventInput.ofJson(null, now, s))
                                    .toList()));
        }
        return recent.of(pipelineId, limit)
                .map(events -> new Inputs(
                        "recent_events",
                        events.stream().map(MappingService::input).toList()));
    }

    private static EventInput input(RawEnvelope e) {
        try {
            return EventInput.ofJson(e.eventId(), e.receivedAt(), dev.dash.model.json.Json.parse(e.body()));
        } catch (java.io.IOException | RuntimeException ex) {
            return EventInput.ofBytes(e.eventId(), e.receivedAt(), e.body());
        }
    }

    /** Applies a mapping to inputs, as the preview API shows it (also used by the poll dry run). */
    public static Preview preview(CompiledMapping mapping, String source, List<EventInput> inputs) {
        MappingPreview.Report report = MappingPreview.preview(mapping, inputs);
        List<PreviewEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < report.entries().size(); i++) {
            MappingResult r = report.entries().get(i).result();
            entries.add(new PreviewEntry(
                    report.entries().get(i).eventId(),
                    inputs.get(i).receivedAt(),
                    r.ok(),
                    r.points().stream().map(MappingService::point).toList(),
                    r.errors().stream().map(MappingService::error).toList(),
                    r.skippedByFilter()));
        }
        return new Preview(source, inputs.size(), report.mapped(), report.quarantined(), report.points(), entries);
    }

    private static PreviewPoint point(Point p) {
        return new PreviewPoint(p.time(), p.metric(), p.labels(), p.value());
    }

    private static PreviewError error(MappingError e) {
        return new PreviewError(e.field(), e.code().name().toLowerCase(java.util.Locale.ROOT), e.reason(), e.index());
    }
}
