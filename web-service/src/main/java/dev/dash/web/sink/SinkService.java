package dev.dash.web.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.json.Json;
import dev.dash.model.poll.UrlGuard;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.Sql;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.crypto.Crypto;
import dev.dash.web.sink.Sinks.Sink;
import dev.dash.web.sink.Sinks.SinkInput;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;

/**
 * Sinks of a pipeline, for admins and owners. Configs are encrypted at rest (context
 * {@code pipeline_sink:<id>}) and answered masked. Every change is audited in its transaction. Sinks are not
 * part of the {@code dash.control} snapshot ({@code PipelineConfig} has no field for them): the ingestor
 * reads them from the database.
 */
@ApplicationScoped
public class SinkService {
    private static final String SELECT = """
            SELECT s.id, s.pipeline_id, s.sink_type, s.sink_config, s.enabled, s.inserted_at, s.updated_at,
                s.delivery::text AS delivery, s.disabled_reason, s.disabled_at, s.failure_streak
            FROM pipeline_sinks s JOIN pipelines p ON p.id = s.pipeline_id
            """;

    private final Pool pool;
    private final Access access;
    private final AuditLog audit;
    private final Crypto crypto;
    private final UrlGuard guard;

    public SinkService(Pool pool, Access access, AuditLog audit, Crypto crypto, WebSinkConfig sinks) {
        this.pool = pool;
        this.access = access;
        this.audit = audit;
        this.crypto = crypto;
        this.guard = new UrlGuard(sinks.allowedDestinations().orElse(List.of()));
    }

    public Uni<List<Sink>> list(UUID teamId, UUID pipelineId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> requirePipeline(pool, teamId, pipelineId))
                .flatMap(x -> Sql.list(
                        pool,
                        this::toSink,
                        SELECT + " WHERE s.pipeline_id = $1 AND p.team_id = $2 ORDER BY s.inserted_at, s.id",
                        pipelineId,
                        teamId));
    }

    public Uni<Sink> get(UUID teamId, UUID pipelineId, UUID sinkId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> load(pool, teamId, pipelineId, sinkId, false))
                .map(SinkService::found);
    }

    public Uni<Sink> create(UUID teamId, UUID pipelineId, SinkInput in) {
        Checks.start().require("body", in).orThrow();
        Checks c = Checks.start().oneOf("type", in.type(), Sinks.TYPES, true);
        ObjectNode config = Sinks.validate(c, in.type(), in.config(), guard);
        ObjectNode delivery = in.type() != null && Sinks.TYPES.contains(in.type())
                ? Sinks.delivery(c, in.type(), in.delivery())
                : null;
        c.orThrow();
        boolean enabled = in.enabled() == null || in.enabled();
        UUID id = UUID.randomUUID();
        // A webhook without a given secret gets one, shown in this answer only.
        String generated = in.type().equals("webhook") && !config.has("secret") ? Sinks.newSecret() : null;
        if (generated != null) {
            config.put("secret", generated);
        }
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> requirePipeline(tx, teamId, pipelineId)
                        .flatMap(x ->
                                Sql.run(tx, """
                                INSERT INTO pipeline_sinks (id, pipeline_id, sink_type, sink_config, enabled, delivery)
                                VALUES ($1, $2, $3, $4, $5, $6::text::jsonb)
                                """, id, pipelineId, in.type(), encrypt(id, config), enabled, delivery))
                        .flatMap(x -> load(tx, teamId, pipelineId, id, false))
                        .call(after -> audit.record(tx, a.actor(), teamId, "sink.create", "sink", id, null, after))))
                .map(s -> s.withSecret(generated))
                .invoke(s -> Log.infof("Sink %s (%s) created for pipeline %s", id, s.type(), pipelineId));
    }

    /** Changes {@code enabled} and/or replaces the whole config; the type cannot change. */
    public Uni<Sink> update(UUID teamId, UUID pipelineId, UUID sinkId, SinkInput in) {
        Checks.start().require("body", in).orThrow();
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> load(tx, teamId, pipelineId, sinkId, true)
                        .map(SinkService::found)
                        .flatMap(before -> {
                            Checks c = Checks.start();
                            if (in.type() != null && !in.type().equals(before.type())) {
                                c.fail("type", "cannot change; create another sink");
                            }
                            ObjectNode config =
                                    in.config() == null ? null : Sinks.validate(c, before.type(), in.config(), guard);
                            ObjectNode delivery =
                                    in.delivery() == null ? null : Sinks.delivery(c, before.type(), in.delivery());
                            c.orThrow();
                            boolean enabled = in.enabled() == null ? before.enabled() : in.enabled();
                            // A new URL or headers keep the signing secrets; rotation changes them.
                            Uni<JsonNode> kept =
                                    config != null && before.type().equals("webhook") && !config.has("secret")
                                            ? rawConfig(tx, sinkId)
                                            : Uni.createFrom().nullItem();
                            // Switched on again: the reason and the failure streak are cleared; a new condition
                            // starts with no open alert.
                            return kept.invoke(old -> {
                                        if (old != null && old.has("secret")) {
                                            config.set("secret", old.get("secret"));
                                        }
                                        if (old != null && old.has("previous_secrets")) {
                                            config.set("previous_secrets", old.get("previous_secrets"));
                                        }
                                    })
                                    .flatMap(o -> Sql.run(
                                            tx,
                                            """
                                            UPDATE pipeline_sinks SET sink_config = coalesce($2, sink_config),
                                                enabled = $3, updated_at = now(),
                                                delivery = coalesce($4::text::jsonb, delivery),
                                                disabled_reason = CASE WHEN $3 THEN NULL ELSE disabled_reason END,
                                                disabled_at = CASE WHEN $3 THEN NULL ELSE disabled_at END,
                                                failure_streak = CASE WHEN $3 AND NOT enabled THEN 0 ELSE failure_streak END,
                                                failing_since = CASE WHEN $3 AND NOT enabled THEN NULL ELSE failing_since END
                                            WHERE id = $1
                                            """,
                                            sinkId,
                                            config == null ? null : encrypt(sinkId, config),
                                            enabled,
                                            delivery))
                                    .call(x -> delivery == null
                                            ? Uni.createFrom().voidItem()
                                            : Sql.run(tx, "DELETE FROM sink_alerts WHERE sink_id = $1", sinkId))
                                    .flatMap(x -> load(tx, teamId, pipelineId, sinkId, false))
                                    .call(after -> audit.record(
                                            tx, a.actor(), teamId, "sink.update", "sink", sinkId, before, after));
                        })))
                .invoke(s -> Log.infof("Sink %s of pipeline %s updated", sinkId, pipelineId));
    }

    public Uni<Void> delete(UUID teamId, UUID pipelineId, UUID sinkId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> load(tx, teamId, pipelineId, sinkId, true)
                        .map(SinkService::found)
                        .call(before -> Sql.run(tx, "DELETE FROM pipeline_sinks WHERE id = $1", sinkId))
                        .call(before ->
                                audit.record(tx, a.actor(), teamId, "sink.delete", "sink", sinkId, before, null))))
                .invoke(s -> Log.infof("Sink %s of pipeline %s deleted", sinkId, pipelineId))
                .replaceWithVoid();
    }

    /**
     * Gives a webhook sink a new signing secret, answered once; the previous one keeps signing (beside the new)
     * for {@code overlapSeconds}, so receivers can switch without dropping a message.
     */
    public Uni<Sink> rotate(UUID teamId, UUID pipelineId, UUID sinkId, Sinks.RotateInput in) {
        long overlap = in == null || in.overlapSeconds() == null ? 86_400 : in.overlapSeconds();
        Checks.start().range("overlap_seconds", overlap, 0, 7 * 86_400).orThrow();
        String secret = Sinks.newSecret();
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> load(tx, teamId, pipelineId, sinkId, true)
                        .map(SinkService::found)
                        .flatMap(before -> {
                            if (!before.type().equals("webhook")) {
                                throw ApiException.invalid("type", "only webhook sinks have a signing secret");
                            }
                            return rawConfig(tx, sinkId).flatMap(old -> {
                                ObjectNode config = ((ObjectNode) old).deepCopy();
                                java.time.Instant now = java.time.Instant.now();
                                var previous = Json.nodes().arrayNode();
                                for (JsonNode p : old.path("previous_secrets")) {
                                    if (java.time.Instant.parse(
                                                    p.path("expires_at").asText())
                                            .isAfter(now)) {
                                        previous.add(p);
                                    }
                                }
                                if (old.has("secret") && overlap > 0) {
                                    previous.addObject()
                                            .put("secret", old.get("secret").asText())
                                            .put(
                                                    "expires_at",
                                                    now.plusSeconds(overlap).toString());
                                }
                                while (previous.size() > 5) {
                                    previous.remove(0);
                                }
                                config.put("secret", secret);
                                config.set("previous_secrets", previous);
                                return Sql.run(
                                                tx,
                                                "UPDATE pipeline_sinks SET sink_config = $2, updated_at = now() WHERE id = $1",
                                                sinkId,
                                                encrypt(sinkId, config))
                                        .flatMap(x -> load(tx, teamId, pipelineId, sinkId, false))
                                        .call(after -> audit.record(
                                                tx,
                                                a.actor(),
                                                teamId,
                                                "sink.rotate_secret",
                                                "sink",
                                                sinkId,
                                                before,
                                                after));
                            });
                        })))
                .map(s -> s.withSecret(secret))
                .invoke(s -> Log.infof("Sink %s of pipeline %s: signing secret rotated", sinkId, pipelineId));
    }

    private Uni<JsonNode> rawConfig(SqlClient c, UUID sinkId) {
        return Sql.one(
                c,
                r -> parse(crypto.ring().decryptString(Sql.bytes(r, "sink_config"), Crypto.sinkContext(sinkId))),
                "SELECT sink_config FROM pipeline_sinks WHERE id = $1",
                sinkId);
    }

    private static Sink found(Sink s) {
        if (s == null) {
            throw ApiException.notFound("sink");
        }
        return s;
    }

    private static Uni<Void> requirePipeline(SqlClient c, UUID teamId, UUID pipelineId) {
        return Sql.one(
                        c,
                        r -> r.getUUID("id"),
                        "SELECT id FROM pipelines WHERE id = $1 AND team_id = $2",
                        pipelineId,
                        teamId)
                .map(id -> {
                    if (id == null) {
                        throw ApiException.notFound("pipeline");
                    }
                    return null;
                });
    }

    /** The sink through its team and pipeline (so another team's sink is 404), optionally row-locked. */
    private Uni<Sink> load(SqlClient c, UUID teamId, UUID pipelineId, UUID sinkId, boolean lock) {
        return requirePipeline(c, teamId, pipelineId)
                .flatMap(x -> Sql.one(
                        c,
                        this::toSink,
                        SELECT + " WHERE s.id = $1 AND s.pipeline_id = $2 AND p.team_id = $3"
                                + (lock ? " FOR UPDATE OF s" : ""),
                        sinkId,
                        pipelineId,
                        teamId));
    }

    private Sink toSink(Row r) {
        UUID id = r.getUUID("id");
        String type = r.getString("sink_type");
        JsonNode config = parse(crypto.ring().decryptString(Sql.bytes(r, "sink_config"), Crypto.sinkContext(id)));
        return new Sink(
                id,
                r.getUUID("pipeline_id"),
                type,
                r.getBoolean("enabled"),
                Sinks.masked(type, config),
                Sql.json(r, "delivery"),
                r.getString("disabled_reason"),
                Sql.instant(r, "disabled_at"),
                r.getInteger("failure_streak"),
                Sql.instant(r, "inserted_at"),
                Sql.instant(r, "updated_at"),
                null);
    }

    private byte[] encrypt(UUID sinkId, JsonNode config) {
        return crypto.ring().encryptString(config.toString(), Crypto.sinkContext(sinkId));
    }

    private static JsonNode parse(String text) {
        try {
            return Json.parse(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
