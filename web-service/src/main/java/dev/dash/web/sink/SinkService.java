package dev.dash.web.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.json.Json;
import dev.dash.model.poll.UrlGuard;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.crypto.Crypto;
import dev.dash.web.pipeline.repository.PipelineRepository;
import dev.dash.web.sink.Sinks.Sink;
import dev.dash.web.sink.Sinks.SinkInput;
import dev.dash.web.sink.repository.SinkEntity;
import dev.dash.web.sink.repository.SinkRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * Sinks of a pipeline, for admins and owners. Configs are encrypted at rest (context
 * {@code pipeline_sink:<id>}) and answered masked. A change goes check role, validate, repository (Hibernate
 * Reactive Panache, the row locked), audit in the same transaction. Sinks are not part of the
 * {@code dash.control} snapshot ({@code PipelineConfig} has no field for them): the ingestor reads them from
 * the database, so there is nothing to publish.
 */
@ApplicationScoped
public class SinkService {
    private final Access access;
    private final AuditLog audit;
    private final Crypto crypto;
    private final UrlGuard guard;
    private final SinkRepository sinks;
    private final PipelineRepository pipelines;

    public SinkService(
            Access access,
            AuditLog audit,
            Crypto crypto,
            WebSinkConfig config,
            SinkRepository sinks,
            PipelineRepository pipelines) {
        this.access = access;
        this.audit = audit;
        this.crypto = crypto;
        this.guard = new UrlGuard(config.allowedDestinations().orElse(List.of()));
        this.sinks = sinks;
        this.pipelines = pipelines;
    }

    public Uni<List<Sink>> list(UUID teamId, UUID pipelineId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withSession(() -> requirePipeline(teamId, pipelineId)
                        .flatMap(x -> sinks.ofPipeline(pipelineId))
                        .map(list -> list.stream().map(this::sink).toList())));
    }

    public Uni<Sink> get(UUID teamId, UUID pipelineId, UUID sinkId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withSession(() -> requirePipeline(teamId, pipelineId)
                        .flatMap(x -> sinks.ofPipeline(pipelineId, sinkId))
                        .map(SinkService::found)
                        .map(this::sink)));
    }

    public Uni<Sink> create(UUID teamId, UUID pipelineId, SinkInput in) {
        Checks.start().require("body", in).orThrow();
        Checks c = Checks.start().oneOf("type", in.type(), Sinks.TYPES, true);
        ObjectNode config = Sinks.validate(c, in.type(), in.config(), guard);
        ObjectNode delivery = in.type() != null && Sinks.TYPES.contains(in.type())
                ? Sinks.delivery(c, in.type(), in.delivery())
                : null;
        c.orThrow();
        UUID id = UUID.randomUUID();
        // A webhook without a given secret gets one, shown in this answer only.
        String generated = in.type().equals("webhook") && !config.has("secret") ? Sinks.newSecret() : null;
        if (generated != null) {
            config.put("secret", generated);
        }
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> requirePipeline(teamId, pipelineId)
                        .flatMap(x -> {
                            SinkEntity s = new SinkEntity();
                            s.id = id;
                            s.pipelineId = pipelineId;
                            s.type = in.type();
                            s.config = encrypt(id, config);
                            s.enabled = in.enabled() == null || in.enabled();
                            s.delivery = delivery;
                            s.insertedAt = now();
                            s.updatedAt = s.insertedAt;
                            return sinks.persistAndFlush(s).map(y -> sink(s));
                        })
                        .call(after -> audit.record(a.actor(), teamId, "sink.create", "sink", id, null, after))))
                .map(s -> s.withSecret(generated))
                .invoke(s -> Log.infof("Sink %s (%s) created for pipeline %s", id, s.type(), pipelineId));
    }

    /** Changes {@code enabled} and/or replaces the whole config; the type cannot change. */
    public Uni<Sink> update(UUID teamId, UUID pipelineId, UUID sinkId, SinkInput in) {
        Checks.start().require("body", in).orThrow();
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, pipelineId, sinkId)
                        .flatMap(s -> {
                            Sink before = sink(s);
                            Checks c = Checks.start();
                            if (in.type() != null && !in.type().equals(s.type)) {
                                c.fail("type", "cannot change; create another sink");
                            }
                            ObjectNode config =
                                    in.config() == null ? null : Sinks.validate(c, s.type, in.config(), guard);
                            ObjectNode delivery =
                                    in.delivery() == null ? null : Sinks.delivery(c, s.type, in.delivery());
                            c.orThrow();
                            boolean enabled = in.enabled() == null ? s.enabled : in.enabled();
                            if (config != null) {
                                // A new URL or headers keep the signing secrets; rotation changes them.
                                if (s.type.equals("webhook") && !config.has("secret")) {
                                    JsonNode old = config(s);
                                    if (old.has("secret")) {
                                        config.set("secret", old.get("secret"));
                                    }
                                    if (old.has("previous_secrets")) {
                                        config.set("previous_secrets", old.get("previous_secrets"));
                                    }
                                }
                                s.config = encrypt(sinkId, config);
                            }
                            if (delivery != null) {
                                s.delivery = delivery;
                            }
                            // Switched on again: the reason and the failure streak are cleared; a new
                            // condition starts with no open alert.
                            if (enabled) {
                                s.disabledReason = null;
                                s.disabledAt = null;
                                if (!s.enabled) {
                                    s.failureStreak = 0;
                                    s.failingSince = null;
                                }
                            }
                            s.enabled = enabled;
                            s.updatedAt = now();
                            Sink after = sink(s);
                            return sinks.flush()
                                    .call(x ->
                                            delivery == null ? Uni.createFrom().voidItem() : sinks.clearAlerts(sinkId))
                                    .call(x -> audit.record(
                                            a.actor(), teamId, "sink.update", "sink", sinkId, before, after))
                                    .replaceWith(after);
                        })))
                .invoke(s -> Log.infof("Sink %s of pipeline %s updated", sinkId, pipelineId));
    }

    public Uni<Void> delete(UUID teamId, UUID pipelineId, UUID sinkId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, pipelineId, sinkId)
                        .flatMap(s -> {
                            Sink before = sink(s);
                            return sinks.delete(s)
                                    .call(x -> sinks.flush())
                                    .call(x -> audit.record(
                                            a.actor(), teamId, "sink.delete", "sink", sinkId, before, null));
                        })))
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
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, pipelineId, sinkId)
                        .flatMap(s -> {
                            if (!s.type.equals("webhook")) {
                                throw ApiException.invalid("type", "only webhook sinks have a signing secret");
                            }
                            Sink before = sink(s);
                            JsonNode old = config(s);
                            ObjectNode config = ((ObjectNode) old).deepCopy();
                            Instant now = Instant.now();
                            var previous = Json.nodes().arrayNode();
                            for (JsonNode p : old.path("previous_secrets")) {
                                if (Instant.parse(p.path("expires_at").asText()).isAfter(now)) {
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
                            s.config = encrypt(sinkId, config);
                            s.updatedAt = now();
                            Sink after = sink(s);
                            return sinks.flush()
                                    .call(x -> audit.record(
                                            a.actor(), teamId, "sink.rotate_secret", "sink", sinkId, before, after))
                                    .replaceWith(after);
                        })))
                .map(s -> s.withSecret(secret))
                .invoke(s -> Log.infof("Sink %s of pipeline %s: signing secret rotated", sinkId, pipelineId));
    }

    private static SinkEntity found(SinkEntity s) {
        if (s == null) {
            throw ApiException.notFound("sink");
        }
        return s;
    }

    /** 404 unless the team has the pipeline (so another team's sink is 404 too), in the current session. */
    private Uni<Void> requirePipeline(UUID teamId, UUID pipelineId) {
        return pipelines.teamHas(teamId, pipelineId).map(has -> {
            if (!has) {
                throw ApiException.notFound("pipeline");
            }
            return null;
        });
    }

    /** The sink through its team and pipeline, locked for a change ({@code FOR UPDATE}); 404 otherwise. */
    private Uni<SinkEntity> lock(UUID teamId, UUID pipelineId, UUID sinkId) {
        return requirePipeline(teamId, pipelineId)
                .flatMap(x -> sinks.lock(pipelineId, sinkId))
                .map(SinkService::found);
    }

    /** The sink as the API shows it: the config decrypted and masked. */
    private Sink sink(SinkEntity s) {
        return new Sink(
                s.id,
                s.pipelineId,
                s.type,
                s.enabled,
                Sinks.masked(s.type, config(s)),
                s.delivery,
                s.disabledReason,
                s.disabledAt,
                s.failureStreak,
                s.insertedAt,
                s.updatedAt,
                null);
    }

    /** The stored config, decrypted. */
    private JsonNode config(SinkEntity s) {
        return parse(crypto.ring().decryptString(s.config, Crypto.sinkContext(s.id)));
    }

    private byte[] encrypt(UUID sinkId, JsonNode config) {
        return crypto.ring().encryptString(config.toString(), Crypto.sinkContext(sinkId));
    }

    /** Now, at the database's precision, for the timestamps this service sets. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private static JsonNode parse(String text) {
        try {
            return Json.parse(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
