package dev.dash.web.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.pipeline.PipelineStatus;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SignatureConfigException;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.Sql;
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
import dev.dash.web.poll.SourceChecks;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Pipelines and their signing secrets. Admins and owners change them; every member reads them (without the
 * source config). Each committed change is audited in its transaction and then published on
 * {@code dash.control}.
 */
@ApplicationScoped
public class PipelineService {
    private final Pool pool;
    private final Access access;
    private final AuditLog audit;
    private final ControlPublisher control;
    private final Crypto crypto;
    private final WebConfig config;
    private final SourceChecks sources;

    public PipelineService(
            Pool pool,
            Access access,
            AuditLog audit,
            ControlPublisher control,
            Crypto crypto,
            WebConfig config,
            SourceChecks sources) {
        this.sources = sources;
        this.pool = pool;
        this.access = access;
        this.audit = audit;
        this.control = control;
        this.crypto = crypto;
        this.config = config;
    }

    // ---- reads ----

    public Uni<List<Pipeline>> list(UUID teamId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> Sql.list(
                                pool,
                                r -> r.getUUID("id"),
                                "SELECT id FROM pipelines WHERE team_id = $1 ORDER BY name",
                                teamId)
                        .flatMap(ids -> ids.isEmpty()
                                ? Uni.createFrom().item(List.<Pipeline>of())
                                : Uni.join()
                                        .all(ids.stream()
                                                .map(id -> load(
                                                        pool,
                                                        teamId,
                                                        id,
                                                        a.role().atLeast(Role.ADMIN)))
                                                .toList())
                                        .andFailFast()));
    }

    public Uni<Pipeline> get(UUID teamId, UUID pipelineId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> load(pool, teamId, pipelineId, a.role().atLeast(Role.ADMIN)))
                .map(PipelineService::found);
    }

    /** The pipeline of the team, or 404: the one check every pipeline-scoped operation goes through. */
    public Uni<Pipeline> require(TeamAccess access, UUID pipelineId) {
        return load(pool, access.teamId(), pipelineId, false).map(PipelineService::found);
    }

    static Pipeline found(Pipeline p) {
        if (p == null) {
            throw ApiException.notFound("pipeline");
        }
        return p;
    }

    Uni<Pipeline> load(SqlClient c, UUID teamId, UUID pipelineId, boolean withSource) {
        return Sql.one(c, r -> r, """
                        SELECT id, team_id, name, type, status, status_reason, interval_seconds, source_type, source_config,
                               source_pipeline_id, coalesce(signature_preset, 'none') AS signature_preset,
                               signature_config::text AS signature_config, timestamp_tolerance_seconds,
                               dedupe_window_seconds, quota_requests_per_second, quota_bytes_per_second, retention_days,
                               persist_data, active_mapping_version, inserted_at, updated_at, allow_unsigned
                        FROM pipelines WHERE id = $1 AND team_id = $2
                        """, pipelineId, teamId)
                .flatMap(row -> row == null
                        ? Uni.createFrom().nullItem()
                        : secrets(c, pipelineId).map(secrets -> toPipeline(row, secrets, withSource)));
    }

    private Uni<List<SecretInfo>> secrets(SqlClient c, UUID pipelineId) {
        return Sql.list(
                c,
                r -> new SecretInfo(
                        r.getUUID("id"),
                        r.getString("hint"),
                        Sql.instant(r, "expires_at"),
                        Sql.instant(r, "revoked_at"),
                        Sql.instant(r, "inserted_at"),
                        r.getBoolean("active")),
                """
                SELECT id, hint, expires_at, revoked_at, inserted_at,
                       revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AS active
                FROM pipeline_secrets WHERE pipeline_id = $1 ORDER BY inserted_at DESC
                """,
                pipelineId);
    }

    private Pipeline toPipeline(Row r, List<SecretInfo> secrets, boolean withSource) {
        UUID id = r.getUUID("id");
        byte[] source = Sql.bytes(r, "source_config");
        JsonNode sourceConfig = null;
        if (withSource && source != null) {
            sourceConfig = readJson(crypto.ring().decryptString(source, Crypto.sourceContext(id)));
        }
        return new Pipeline(
                id,
                r.getUUID("team_id"),
                r.getString("name"),
                r.getString("type"),
                PipelineStatus.of(r.getString("status")),
                r.getString("status_reason"),
                r.getInteger("interval_seconds"),
                r.getString("source_type"),
                sourceConfig,
                r.getUUID("source_pipeline_id"),
                r.getString("signature_preset"),
                Sql.json(r, "signature_config"),
                r.getInteger("timestamp_tolerance_seconds"),
                r.getInteger("dedupe_window_seconds"),
                r.getInteger("quota_requests_per_second"),
                r.getLong("quota_bytes_per_second"),
                r.getInteger("retention_days"),
                r.getBoolean("persist_data"),
                r.getInteger("active_mapping_version"),
                ingestUrl(id),
                secrets,
                Sql.instant(r, "inserted_at"),
                Sql.instant(r, "updated_at"),
                r.getBoolean("allow_unsigned"));
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

    private Uni<Void> checkSourcePipeline(SqlClient tx, UUID teamId, UUID pipelineId, UUID sourcePipelineId) {
        return checkSourcePipeline(tx, teamId, pipelineId, null, sourcePipelineId);
    }

    /**
     * The source pipeline must be another pipeline of the team, and following sources from it must not come
     * back to this pipeline (a cycle would feed points round for ever): refused with the cycle named.
     */
    private Uni<Void> checkSourcePipeline(
            SqlClient tx, UUID teamId, UUID pipelineId, String pipelineName, UUID sourcePipelineId) {
        if (sourcePipelineId == null) {
            return Uni.createFrom().voidItem();
        }
        if (sourcePipelineId.equals(pipelineId)) {
            return Uni.createFrom()
                    .failure(ApiException.invalid("source_pipeline_id", "cannot be the pipeline itself"));
        }
        return Sql.one(
                        tx,
                        r -> r.getUUID("id"),
                        "SELECT id FROM pipelines WHERE id = $1 AND team_id = $2",
                        sourcePipelineId,
                        teamId)
                .map(found -> {
                    if (found == null) {
                        throw ApiException.invalid("source_pipeline_id", "no such pipeline in the team");
                    }
                    return null;
                })
                .flatMap(x ->
                        Sql.list(tx, r -> new Object[] {r.getUUID("id"), r.getString("name")}, """
                        WITH RECURSIVE chain (id, name, source, depth, path) AS (
                            SELECT id, name, source_pipeline_id, 1, ARRAY[id] FROM pipelines WHERE id = $1
                            UNION ALL
                            SELECT p.id, p.name, p.source_pipeline_id, c.depth + 1, c.path || p.id
                            FROM pipelines p JOIN chain c ON p.id = c.source
                            WHERE c.depth < 1000 AND NOT p.id = ANY (c.path)
                        )
                        SELECT id, name FROM chain ORDER BY depth
                        """, sourcePipelineId))
                .map(chain -> {
                    StringBuilder cycle =
                            new StringBuilder(pipelineName == null ? pipelineId.toString() : pipelineName);
                    for (Object[] link : chain) {
                        cycle.append(" → ").append(link[1]);
                        if (pipelineId.equals(link[0])) {
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
                .flatMap(a -> pool.withTransaction(tx -> checkSourcePipeline(tx, teamId, id, in.sourcePipelineId())
                                .flatMap(x -> Sql.run(
                                        tx,
                                        """
                                        INSERT INTO pipelines (id, team_id, name, type, interval_seconds, source_type, source_config,
                                            source_pipeline_id, signature_preset, signature_config, timestamp_tolerance_seconds,
                                            dedupe_window_seconds, quota_requests_per_second, quota_bytes_per_second,
                                            retention_days, persist_data, allow_unsigned, updated_at)
                                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::jsonb, $11, $12, $13, $14, $15, $16,
                                            $17, clock_timestamp())
                                        """,
                                        id,
                                        teamId,
                                        in.name(),
                                        in.type(),
                                        in.intervalSeconds(),
                                        in.sourceType(),
                                        encryptSource(id, in.sourceConfig()),
                                        in.sourcePipelineId(),
                                        in.signaturePreset(),
                                        in.signatureConfig(),
                                        in.timestampToleranceSeconds(),
                                        in.dedupeWindowSeconds(),
                                        in.quotaRequestsPerSecond(),
                                        in.quotaBytesPerSecond(),
                                        in.retentionDays(),
                                        in.persistData(),
                                        in.allowUnsigned()))
                                .onFailure()
                                .transform(e -> unique(e))
                                .flatMap(x -> v.preset() == null
                                        ? Uni.createFrom().<NewSecret>nullItem()
                                        : insertSecret(tx, id, in.signaturePreset(), null))
                                .flatMap(secret -> load(tx, teamId, id, true)
                                        .call(p -> audit.record(
                                                tx,
                                                a.actor(),
                                                teamId,
                                                "pipeline.create",
                                                "pipeline",
                                                id,
                                                null,
                                                p.redacted()))
                                        .map(p -> new PipelineWithSecret(
                                                p,
                                                secret,
                                                SecretGenerator.curl(
                                                        p.ingestUrl(),
                                                        v.preset(),
                                                        secret == null
                                                                ? null
                                                                : secret.id().toString(),
                                                        secret == null ? null : secret.value())))))
                        .call(p -> control.publish(id))
                        .invoke(p -> Log.infof("Pipeline %s (%s) created in team %s", id, in.type(), teamId)));
    }

    public Uni<PipelineWithSecret> update(UUID teamId, UUID pipelineId, PipelineInput raw) {
        Checks.start().require("body", raw).orThrow();
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, pipelineId)
                                .flatMap(before -> {
                                    if (raw.type() != null && !raw.type().equals(before.type())) {
                                        throw ApiException.invalid("type", "cannot change; create another pipeline");
                                    }
                                    Valid v = validate(merge(before, raw));
                                    PipelineInput in = v.in();
                                    boolean needsSecret = v.preset() != null
                                            && before.secrets().stream().noneMatch(SecretInfo::active);
                                    return checkSourcePipeline(tx, teamId, pipelineId, in.name(), in.sourcePipelineId())
                                            .flatMap(x -> Sql.run(
                                                    tx,
                                                    """
                                                    UPDATE pipelines SET name = $3, interval_seconds = $4, source_type = $5,
                                                        source_config = $6, source_pipeline_id = $7, signature_preset = $8,
                                                        signature_config = $9::text::jsonb, timestamp_tolerance_seconds = $10,
                                                        dedupe_window_seconds = $11, quota_requests_per_second = $12,
                                                        quota_bytes_per_second = $13, retention_days = $14, persist_data = $15,
                                                        allow_unsigned = $16, updated_at = clock_timestamp()
                                                    WHERE id = $1 AND team_id = $2
                                                    """,
                                                    pipelineId,
                                                    teamId,
                                                    in.name(),
                                                    in.intervalSeconds(),
                                                    in.sourceType(),
                                                    encryptSource(pipelineId, in.sourceConfig()),
                                                    in.sourcePipelineId(),
                                                    in.signaturePreset(),
                                                    in.signatureConfig(),
                                                    in.timestampToleranceSeconds(),
                                                    in.dedupeWindowSeconds(),
                                                    in.quotaRequestsPerSecond(),
                                                    in.quotaBytesPerSecond(),
                                                    in.retentionDays(),
                                                    in.persistData(),
                                                    in.allowUnsigned()))
                                            .onFailure()
                                            .transform(e -> unique(e))
                                            .flatMap(x -> needsSecret
                                                    ? insertSecret(tx, pipelineId, in.signaturePreset(), null)
                                                    : Uni.createFrom().<NewSecret>nullItem())
                                            .flatMap(secret -> load(tx, teamId, pipelineId, true)
                                                    .call(after -> audit.record(
                                                            tx,
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
                                }))
                        .call(p -> control.publish(pipelineId)));
    }

    /** Pauses ({@code paused}) or resumes ({@code active}) a pipeline. */
    public Uni<Pipeline> setStatus(UUID teamId, UUID pipelineId, PipelineStatus status) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, pipelineId)
                                .flatMap(before -> Sql.run(tx, """
                                                UPDATE pipelines SET status = $3, status_reason = NULL, updated_at = clock_timestamp()
                                                WHERE id = $1 AND team_id = $2
                                                """, pipelineId, teamId, status.dbName())
                                        .flatMap(x -> load(tx, teamId, pipelineId, true))
                                        .call(after -> audit.record(
                                                tx,
                                                a.actor(),
                                                teamId,
                                                status == PipelineStatus.PAUSED ? "pipeline.pause" : "pipeline.resume",
                                                "pipeline",
                                                pipelineId,
                                                before.redacted(),
                                                after.redacted()))))
                        .call(p -> control.publish(pipelineId)));
    }

    public Uni<Void> delete(UUID teamId, UUID pipelineId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, pipelineId)
                                .flatMap(before -> Sql.run(tx, "DELETE FROM pipelines WHERE id = $1", pipelineId)
                                        .onFailure(PgException.class)
                                        .transform(e -> "23503".equals(((PgException) e).getSqlState())
                                                ? ApiException.conflict(
                                                        "a p2p pipeline reads from this pipeline; delete it first")
                                                : e)
                                        .call(x -> audit.record(
                                                tx,
                                                a.actor(),
                                                teamId,
                                                "pipeline.delete",
                                                "pipeline",
                                                pipelineId,
                                                before.redacted(),
                                                null))))
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
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, pipelineId)
                                .flatMap(before -> {
                                    if (before.signaturePreset().equals("none")) {
                                        throw ApiException.conflict(
                                                "signature_preset", "is none: set a preset before generating secrets");
                                    }
                                    return Sql.run(tx, """
                                                    UPDATE pipeline_secrets SET expires_at = now() + make_interval(secs => $2)
                                                    WHERE pipeline_id = $1 AND revoked_at IS NULL
                                                      AND (expires_at IS NULL OR expires_at > now() + make_interval(secs => $2))
                                                    """, pipelineId, (double) overlapSeconds)
                                            .flatMap(x -> insertSecret(tx, pipelineId, before.signaturePreset(), null))
                                            .call(x -> touch(tx, pipelineId))
                                            .flatMap(secret -> load(tx, teamId, pipelineId, true)
                                                    .call(after -> audit.record(
                                                            tx,
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
                                }))
                        .call(p -> control.publish(pipelineId)));
    }

    /** Revokes one secret at once (a leaked secret: no overlap). */
    public Uni<Pipeline> revokeSecret(UUID teamId, UUID pipelineId, UUID secretId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, pipelineId)
                                .flatMap(before -> Sql.run(tx, """
                                                UPDATE pipeline_secrets SET revoked_at = now()
                                                WHERE id = $1 AND pipeline_id = $2 AND revoked_at IS NULL
                                                """, secretId, pipelineId)
                                        .map(rows -> {
                                            if (rows.rowCount() == 0) {
                                                throw ApiException.notFound("secret");
                                            }
                                            return rows;
                                        })
                                        .call(x -> touch(tx, pipelineId))
                                        .flatMap(x -> load(tx, teamId, pipelineId, true))
                                        .call(after -> audit.record(
                                                tx,
                                                a.actor(),
                                                teamId,
                                                "pipeline.secret.revoke",
                                                "pipeline",
                                                pipelineId,
                                                before.redacted(),
                                                after.redacted()))))
                        .call(p -> control.publish(pipelineId)));
    }

    private Uni<Pipeline> lock(SqlClient tx, UUID teamId, UUID pipelineId) {
        return Sql.run(tx, "SELECT id FROM pipelines WHERE id = $1 AND team_id = $2 FOR UPDATE", pipelineId, teamId)
                .flatMap(x -> load(tx, teamId, pipelineId, true))
                .map(PipelineService::found);
    }

    /** Bumps the snapshot revision when only a child row (secret, mapping) changed. */
    static Uni<Void> touch(SqlClient tx, UUID pipelineId) {
        return Sql.run(tx, "UPDATE pipelines SET updated_at = clock_timestamp() WHERE id = $1", pipelineId)
                .replaceWithVoid();
    }

    private Uni<NewSecret> insertSecret(SqlClient tx, UUID pipelineId, String preset, Instant expiresAt) {
        UUID secretId = UUID.randomUUID();
        String value = SecretGenerator.generate(preset);
        String hint = SecretGenerator.hint(value);
        byte[] ciphertext = crypto.ring().encryptString(value, Crypto.secretContext(secretId));
        return Sql.run(
                        tx,
                        "INSERT INTO pipeline_secrets (id, pipeline_id, ciphertext, hint, expires_at) VALUES ($1, $2, $3, $4, $5)",
                        secretId,
                        pipelineId,
                        ciphertext,
                        hint,
                        expiresAt)
                .map(x -> new NewSecret(secretId, value, hint, expiresAt));
    }

    private byte[] encryptSource(UUID pipelineId, JsonNode sourceConfig) {
        return sourceConfig == null
                ? null
                : crypto.ring().encryptString(sourceConfig.toString(), Crypto.sourceContext(pipelineId));
    }

    private static Throwable unique(Throwable e) {
        return e instanceof PgException p && "23505".equals(p.getSqlState())
                ? ApiException.conflict("name", "another pipeline of the team has this name")
                : e;
    }
}
