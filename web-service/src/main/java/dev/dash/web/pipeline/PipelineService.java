package dev.dash.web.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.pipeline.PipelineStatus;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SignatureConfigException;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.UniqueViolations;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.auth.Access.TeamAccess;
import dev.dash.web.config.WebConfig;
import dev.dash.web.crypto.Crypto;
import dev.dash.web.pipeline.Pipelines.NewSecret;
import dev.dash.web.pipeline.Pipelines.Pipeline;
import dev.dash.web.pipeline.Pipelines.PipelineInput;
import dev.dash.web.pipeline.Pipelines.PipelineWithSecret;
import dev.dash.web.pipeline.Pipelines.Rotate;
import dev.dash.web.pipeline.Pipelines.SecretInfo;
import dev.dash.web.pipeline.repository.PipelineEntity;
import dev.dash.web.pipeline.repository.PipelineRepository;
import dev.dash.web.pipeline.repository.PipelineSecretEntity;
import dev.dash.web.pipeline.repository.PipelineSecretRepository;
import dev.dash.web.poll.SourceChecks;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Pipelines and their signing secrets. Admins and owners change them; every member reads them (without the
 * source config). A change goes check role ({@link Access}), validate ({@link Checks}), repository (Hibernate
 * Reactive Panache: {@link PipelineRepository}, {@link PipelineSecretRepository}), audit in the same transaction;
 * the transaction also queues the pipeline in the {@code control_outbox} (a trigger on the revision that {@link
 * PipelineRepository#touch} moves), and once it committed the snapshot is published on {@code dash.control}.
 */
@ApplicationScoped
public class PipelineService {
    private final Access access;
    private final AuditLog audit;
    private final ControlPublisher control;
    private final Crypto crypto;
    private final WebConfig config;
    private final SourceChecks sources;
    private final PipelineRepository pipelines;
    private final PipelineSecretRepository secrets;

    public PipelineService(
            Access access,
            AuditLog audit,
            ControlPublisher control,
            Crypto crypto,
            WebConfig config,
            SourceChecks sources,
            PipelineRepository pipelines,
            PipelineSecretRepository secrets) {
        this.sources = sources;
        this.access = access;
        this.audit = audit;
        this.control = control;
        this.crypto = crypto;
        this.config = config;
        this.pipelines = pipelines;
        this.secrets = secrets;
    }

    // ---- reads ----

    public Uni<List<Pipeline>> list(UUID teamId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> Panache.withSession(() -> pipelines
                        .ofTeam(teamId)
                        .flatMap(list -> list.isEmpty()
                                ? Uni.createFrom().item(List.<Pipeline>of())
                                : secrets.ofPipelines(
                                                list.stream().map(p -> p.id).toList())
                                        .map(all -> {
                                            Map<UUID, List<PipelineSecretEntity>> byPipeline =
                                                    all.stream().collect(Collectors.groupingBy(s -> s.pipelineId));
                                            boolean withSource = a.role().atLeast(Role.ADMIN);
                                            return list.stream()
                                                    .map(p -> pipeline(
                                                            p, byPipeline.getOrDefault(p.id, List.of()), withSource))
                                                    .toList();
                                        }))));
    }

    public Uni<Pipeline> get(UUID teamId, UUID pipelineId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> Panache.withSession(() -> pipelines
                        .ofTeam(teamId, pipelineId)
                        .map(PipelineService::found)
                        .flatMap(p -> withSecrets(p, a.role().atLeast(Role.ADMIN)))));
    }

    /** The pipeline of the team, or 404: the one check every pipeline-scoped operation goes through. */
    public Uni<Pipeline> require(TeamAccess access, UUID pipelineId) {
        return Panache.withSession(() -> pipelines
                .ofTeam(access.teamId(), pipelineId)
                .map(PipelineService::found)
                .flatMap(p -> withSecrets(p, false)));
    }

    static <T> T found(T p) {
        if (p == null) {
            throw ApiException.notFound("pipeline");
        }
        return p;
    }

    /** The pipeline as the API shows it, with its secrets as stored now; in the current session. */
    private Uni<Pipeline> withSecrets(PipelineEntity p, boolean withSource) {
        return secrets.ofPipelines(List.of(p.id)).map(list -> pipeline(p, list, withSource));
    }

    /**
     * After a change in the current transaction: moves the revision ({@link PipelineRepository#touch}, which
     * flushes and re-reads the row) and re-reads the secrets (a bulk update or a revocation changed them, and
     * whether each is active is the database's to say), so the response and audit row show what is stored.
     */
    private Uni<Pipeline> changed(PipelineEntity p) {
        return pipelines
                .touch(p)
                .chain(x -> secrets.ofPipelines(List.of(p.id)))
                .call(list -> list.isEmpty()
                        ? Uni.createFrom().voidItem()
                        : Panache.getSession().chain(s -> s.refreshAll(list.toArray())))
                .map(list -> pipeline(p, list, true));
    }

    private Pipeline pipeline(PipelineEntity p, List<PipelineSecretEntity> secrets, boolean withSource) {
        JsonNode sourceConfig = null;
        if (withSource && p.sourceConfig != null) {
            sourceConfig = readJson(crypto.ring().decryptString(p.sourceConfig, Crypto.sourceContext(p.id)));
        }
        return new Pipeline(
                p.id,
                p.teamId,
                p.name,
                p.type,
                p.status,
                p.statusReason,
                p.intervalSeconds,
                p.sourceType,
                sourceConfig,
                p.sourcePipelineId,
                p.signaturePreset == null ? "none" : p.signaturePreset,
                p.signatureConfig,
                p.timestampToleranceSeconds,
                p.dedupeWindowSeconds,
                p.quotaRequestsPerSecond,
                p.quotaBytesPerSecond,
                p.retentionDays,
                p.persistData,
                p.activeMappingVersion,
                ingestUrl(p.id),
                secrets.stream()
                        .map(s -> new SecretInfo(s.id, s.hint, s.expiresAt, s.revokedAt, s.insertedAt, s.active))
                        .toList(),
                p.insertedAt,
                p.updatedAt,
                p.allowUnsigned);
    }

    private static JsonNode readJson(String text) {
        try {
            return dev.dash.model.json.Json.parse(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    String ingestUrl(UUID pipelineId) {
        String base = config.ingest().baseUrl();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/ingest/" + pipelineId;
    }

    // ---- validation ----

    private record Valid(PipelineInput in, PresetConfig preset) {}

    private static PipelineInput merge(Pipeline p, PipelineInput in) {
        return new PipelineInput(
                in.name() != null ? in.name() : p.name(),
                in.type() != null ? in.type() : p.type(),
                in.signaturePreset() != null ? in.signaturePreset() : p.signaturePreset(),
                in.signatureConfig() != null ? in.signatureConfig() : p.signatureConfig(),
                in.timestampToleranceSeconds() != null ? in.timestampToleranceSeconds() : p.timestampToleranceSeconds(),
                in.intervalSeconds() != null ? in.intervalSeconds() : p.intervalSeconds(),
                in.sourceType() != null ? in.sourceType() : p.sourceType(),
                in.sourceConfig() != null ? in.sourceConfig() : p.sourceConfig(),
                in.sourcePipelineId() != null ? in.sourcePipelineId() : p.sourcePipelineId(),
                in.retentionDays() != null ? in.retentionDays() : p.retentionDays(),
                in.persistData() != null ? in.persistData() : p.persistData(),
                in.dedupeWindowSeconds() != null ? in.dedupeWindowSeconds() : p.dedupeWindowSeconds(),
                in.quotaRequestsPerSecond() != null ? in.quotaRequestsPerSecond() : p.quotaRequestsPerSecond(),
                in.quotaBytesPerSecond() != null ? in.quotaBytesPerSecond() : p.quotaBytesPerSecond(),
                in.allowUnsigned() != null ? in.allowUnsigned() : p.allowUnsigned());
    }

    private Valid validate(PipelineInput in) {
        Checks.start().require("body", in).orThrow();
        String preset = in.signaturePreset() != null
                ? in.signaturePreset()
                : ("realtime".equals(in.type()) ? "standard_webhooks" : "none");
        Checks c = Checks.start()
                .text("name", in.name(), true, 200)
                .oneOf("type", in.type(), Pipelines.TYPES, true)
                .oneOf("signature_preset", preset, Pipelines.PRESETS, true)
                .range("timestamp_tolerance_seconds", in.timestampToleranceSeconds(), 1, 86_400)
                .range("interval_seconds", in.intervalSeconds(), 1, 86_400)
                .range("retention_days", in.retentionDays(), 1, 36_500)
                .range("dedupe_window_seconds", in.dedupeWindowSeconds(), 0, 30 * 86_400)
                .range("quota_requests_per_second", in.quotaRequestsPerSecond(), 1, 1_000_000)
                .range("quota_bytes_per_second", in.quotaBytesPerSecond(), 1, Long.MAX_VALUE)
                .oneOf("source_type", in.sourceType(), Pipelines.SOURCE_TYPES, false);
        if (in.signatureConfig() != null && !in.signatureConfig().isObject()) {
            c.fail("signature_config", "must be a JSON object");
        }
        if (in.sourceConfig() != null && !in.sourceConfig().isObject()) {
            c.fail("source_config", "must be a JSON object");
        }
        if ("polling".equals(in.type())) {
            if (in.intervalSeconds() == null) {
                c.fail("interval_seconds", "is required for a polling pipeline");
            }
            if (in.sourceType() == null) {
                c.fail("source_type", "is required for a polling pipeline");
            }
            if (in.sourceConfig() == null) {
                c.fail("source_config", "is required for a polling pipeline");
            }
        }
        sources.check(c, in.type(), in.sourceType(), in.sourceConfig());
        if ("p2p".equals(in.type()) && in.sourcePipelineId() == null) {
            c.fail("source_pipeline_id", "is required for a p2p pipeline");
        }
        boolean pushFed = "realtime".equals(in.type());
        if (pushFed && "none".equals(preset) && !Boolean.TRUE.equals(in.allowUnsigned())) {
            // Anyone who learns the id (a public dashboard shows it) could push events: an explicit decision.
            c.fail(
                    "allow_unsigned",
                    "must be true for a push-fed pipeline with signature_preset none: its ingest URL then"
                            + " accepts events from anyone who knows the pipeline id");
        }
        c.orThrow();
        int tolerance = in.timestampToleranceSeconds() == null ? 300 : in.timestampToleranceSeconds();
        PresetConfig presetConfig;
        try {
            presetConfig = SecretGenerator.presetConfig(preset, in.signatureConfig(), tolerance);
        } catch (SignatureConfigException e) {
            throw ApiException.invalid("signature_config", e.getMessage());
        }
        return new Valid(
                new PipelineInput(
                        in.name().strip(),
                        in.type(),
                        preset,
                        in.signatureConfig() == null
                                ? dev.dash.model.json.Json.nodes().objectNode()
                                : in.signatureConfig(),
                        tolerance,
                        in.intervalSeconds(),
                        in.sourceType(),
                        in.sourceConfig(),
                        in.sourcePipelineId(),
                        in.retentionDays(),
                        in.persistData() != null && in.persistData(),
                        in.dedupeWindowSeconds() == null ? 259_200 : in.dedupeWindowSeconds(),
                        in.quotaRequestsPerSecond(),
                        in.quotaBytesPerSecond(),
                        pushFed && "none".equals(preset) && Boolean.TRUE.equals(in.allowUnsigned())),
                presetConfig);
    }

    /**
     * The source pipeline must be another pipeline of the team, and following sources from it must not come
     * back to this pipeline (a cycle would feed points round for ever): refused with the cycle named.
     */
    private Uni<Void> checkSourcePipeline(UUID teamId, UUID pipelineId, String pipelineName, UUID sourcePipelineId) {
        if (sourcePipelineId == null) {
            return Uni.createFrom().voidItem();
        }
        if (sourcePipelineId.equals(pipelineId)) {
            return Uni.createFrom()
                    .failure(ApiException.invalid("source_pipeline_id", "cannot be the pipeline itself"));
        }
        return pipelines
                .ofTeam(teamId, sourcePipelineId)
                .map(found -> {
                    if (found == null) {
                        throw ApiException.invalid("source_pipeline_id", "no such pipeline in the team");
                    }
                    return null;
                })
                .chain(x -> pipelines.sourceChain(sourcePipelineId))
                .map(chain -> {
                    StringBuilder cycle =
                            new StringBuilder(pipelineName == null ? pipelineId.toString() : pipelineName);
                    for (Object[] link : chain) {
                        cycle.append(" → ").append(link[1]);
                        if (pipelineId.toString().equals(String.valueOf(link[0]))) {
                            throw ApiException.invalid(
                                    "source_pipeline_id", "would make a cycle of pipelines: " + cycle);
                        }
                    }
                    return null;
                });
    }

    // ---- writes ----

    public Uni<PipelineWithSecret> create(UUID teamId, PipelineInput raw) {
        Valid v = validate(raw);
        PipelineInput in = v.in();
        UUID id = UUID.randomUUID();
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> checkSourcePipeline(teamId, id, null, in.sourcePipelineId())
                                .chain(x -> {
                                    PipelineEntity p = new PipelineEntity();
                                    p.id = id;
                                    p.teamId = teamId;
                                    p.type = in.type();
                                    p.status = PipelineStatus.ACTIVE;
                                    assign(p, in);
                                    return pipelines
                                            .persistAndFlush(p)
                                            .chain(y -> v.preset() == null
                                                    ? Uni.createFrom().<NewSecret>nullItem()
                                                    : insertSecret(id, in.signaturePreset(), null))
                                            .chain(secret -> changed(p)
                                                    .call(after -> audit.record(
                                                            a.actor(),
                                                            teamId,
                                                            "pipeline.create",
                                                            "pipeline",
                                                            id,
                                                            null,
                                                            after.redacted()))
                                                    .map(after -> new PipelineWithSecret(
                                                            after,
                                                            secret,
                                                            SecretGenerator.curl(
                                                                    after.ingestUrl(),
                                                                    v.preset(),
                                                                    secret == null
                                                                            ? null
                                                                            : secret.id()
                                                                                    .toString(),
                                                                    secret == null ? null : secret.value()))));
                                }))
                        .onFailure()
                        .transform(PipelineService::nameTaken)
                        .call(p -> control.publish(id))
                        .invoke(p -> Log.infof("Pipeline %s (%s) created in team %s", id, in.type(), teamId)));
    }

    public Uni<PipelineWithSecret> update(UUID teamId, UUID pipelineId, PipelineInput raw) {
        Checks.start().require("body", raw).orThrow();
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, pipelineId)
                                .chain(p -> withSecrets(p, true).chain(before -> {
                                    if (raw.type() != null && !raw.type().equals(before.type())) {
                                        throw ApiException.invalid("type", "cannot change; create another pipeline");
                                    }
                                    Valid v = validate(merge(before, raw));
                                    PipelineInput in = v.in();
                                    boolean needsSecret = v.preset() != null
                                            && before.secrets().stream().noneMatch(SecretInfo::active);
                                    return checkSourcePipeline(teamId, pipelineId, in.name(), in.sourcePipelineId())
                                            .chain(x -> {
                                                assign(p, in);
                                                return pipelines.flush();
                                            })
                                            .chain(x -> needsSecret
                                                    ? insertSecret(pipelineId, in.signaturePreset(), null)
                                                    : Uni.createFrom().<NewSecret>nullItem())
                                            .chain(secret -> changed(p)
                                                    .call(after -> audit.record(
                                                            a.actor(),
                                                            teamId,
                                                            "pipeline.update",
                                                            "pipeline",
                                                            pipelineId,
                                                            before.redacted(),
                                                            after.redacted()))
                                                    .map(after -> new PipelineWithSecret(
                                                            after,
                                                            secret,
                                                            secret == null
                                                                    ? null
                                                                    : SecretGenerator.curl(
                                                                            after.ingestUrl(),
                                                                            v.preset(),
                                                                            secret.id()
                                                                                    .toString(),
                                                                            secret.value()))));
                                })))
                        .onFailure()
                        .transform(PipelineService::nameTaken)
                        .call(p -> control.publish(pipelineId)));
    }

    /** Pauses ({@code paused}) or resumes ({@code active}) a pipeline. */
    public Uni<Pipeline> setStatus(UUID teamId, UUID pipelineId, PipelineStatus status) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, pipelineId)
                                .chain(p -> withSecrets(p, true).chain(before -> {
                                    p.status = status;
                                    p.statusReason = null;
                                    return changed(p)
                                            .call(after -> audit.record(
                                                    a.actor(),
                                                    teamId,
                                                    status == PipelineStatus.PAUSED
                                                            ? "pipeline.pause"
                                                            : "pipeline.resume",
                                                    "pipeline",
                                                    pipelineId,
                                                    before.redacted(),
                                                    after.redacted()));
                                })))
                        .call(p -> control.publish(pipelineId)));
    }

    public Uni<Void> delete(UUID teamId, UUID pipelineId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, pipelineId)
                                .chain(p -> withSecrets(p, true)
                                        .call(before -> pipelines.delete(p).chain(() -> pipelines.flush()))
                                        .call(before -> audit.record(
                                                a.actor(),
                                                teamId,
                                                "pipeline.delete",
                                                "pipeline",
                                                pipelineId,
                                                before.redacted(),
                                                null))))
                        .onFailure()
                        .transform(e -> UniqueViolations.hasSqlState(e, "23503")
                                ? ApiException.conflict("a p2p pipeline reads from this pipeline; delete it first")
                                : e)
                        .call(x -> control.tombstone(pipelineId))
                        .invoke(x -> Log.infof("Pipeline %s deleted", pipelineId)))
                .replaceWithVoid();
    }

    /** A new secret; the active ones stay valid for the overlap, so producers can switch without a gap. */
    public Uni<PipelineWithSecret> rotate(UUID teamId, UUID pipelineId, Rotate in) {
        Integer overlap = in == null ? null : in.overlapSeconds();
        Checks.start().range("overlap_seconds", overlap, 0, 30L * 86_400).orThrow();
        long overlapSeconds = overlap == null ? 86_400 : overlap;
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, pipelineId)
                                .chain(p -> withSecrets(p, true).chain(before -> {
                                    if (before.signaturePreset().equals("none")) {
                                        throw ApiException.conflict(
                                                "signature_preset", "is none: set a preset before generating secrets");
                                    }
                                    return secrets.expireLiveAfter(pipelineId, overlapSeconds)
                                            .chain(x -> insertSecret(pipelineId, before.signaturePreset(), null))
                                            .chain(secret -> changed(p)
                                                    .call(after -> audit.record(
                                                            a.actor(),
                                                            teamId,
                                                            "pipeline.secret.rotate",
                                                            "pipeline",
                                                            pipelineId,
                                                            before.redacted(),
                                                            after.redacted()))
                                                    .map(after -> new PipelineWithSecret(
                                                            after,
                                                            secret,
                                                            SecretGenerator.curl(
                                                                    after.ingestUrl(),
                                                                    SecretGenerator.presetConfig(
                                                                            after.signaturePreset(),
                                                                            after.signatureConfig(),
                                                                            after.timestampToleranceSeconds()),
                                                                    secret.id().toString(),
                                                                    secret.value()))));
                                })))
                        .call(p -> control.publish(pipelineId)));
    }

    /** Revokes one secret at once (a leaked secret: no overlap). */
    public Uni<Pipeline> revokeSecret(UUID teamId, UUID pipelineId, UUID secretId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, pipelineId)
                                .chain(p -> withSecrets(p, true)
                                        .chain(before -> secrets.unrevoked(pipelineId, secretId)
                                                .chain(s -> {
                                                    if (s == null) {
                                                        throw ApiException.notFound("secret");
                                                    }
                                                    s.revokedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
                                                    return changed(p);
                                                })
                                                .call(after -> audit.record(
                                                        a.actor(),
                                                        teamId,
                                                        "pipeline.secret.revoke",
                                                        "pipeline",
                                                        pipelineId,
                                                        before.redacted(),
                                                        after.redacted())))))
                        .call(p -> control.publish(pipelineId)));
    }

    /** The pipeline of the team locked for a change ({@code FOR UPDATE}), or 404. */
    private Uni<PipelineEntity> lock(UUID teamId, UUID pipelineId) {
        return pipelines.lock(teamId, pipelineId).map(PipelineService::found);
    }

    /** The validated input's columns onto the row (all but id, team, type and status). */
    private void assign(PipelineEntity p, PipelineInput in) {
        p.name = in.name();
        p.intervalSeconds = in.intervalSeconds();
        p.sourceType = in.sourceType();
        p.sourceConfig = encryptSource(p.id, in.sourceConfig());
        p.sourcePipelineId = in.sourcePipelineId();
        p.signaturePreset = in.signaturePreset();
        p.signatureConfig = in.signatureConfig();
        p.timestampToleranceSeconds = in.timestampToleranceSeconds();
        p.dedupeWindowSeconds = in.dedupeWindowSeconds();
        p.quotaRequestsPerSecond = in.quotaRequestsPerSecond();
        p.quotaBytesPerSecond = in.quotaBytesPerSecond();
        p.retentionDays = in.retentionDays();
        p.persistData = in.persistData();
        p.allowUnsigned = in.allowUnsigned();
    }

    private Uni<NewSecret> insertSecret(UUID pipelineId, String preset, Instant expiresAt) {
        PipelineSecretEntity s = new PipelineSecretEntity();
        s.id = UUID.randomUUID();
        s.pipelineId = pipelineId;
        String value = SecretGenerator.generate(preset);
        s.hint = SecretGenerator.hint(value);
        s.ciphertext = crypto.ring().encryptString(value, Crypto.secretContext(s.id));
        s.expiresAt = expiresAt;
        return secrets.persist(s).map(x -> new NewSecret(s.id, value, s.hint, expiresAt));
    }

    private byte[] encryptSource(UUID pipelineId, JsonNode sourceConfig) {
        return sourceConfig == null
                ? null
                : crypto.ring().encryptString(sourceConfig.toString(), Crypto.sourceContext(pipelineId));
    }

    private static Throwable nameTaken(Throwable e) {
        return UniqueViolations.asConflict(e, "name", "another pipeline of the team has this name");
    }
}
