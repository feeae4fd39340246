package dev.dash.web.reencryption;

import dev.dash.model.api.ApiException;
import dev.dash.web.api.Sql;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.crypto.Crypto;
import dev.dash.web.pipeline.ControlPublisher;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Master-key rotation: rewrites every ciphertext made under another key than the active one (secrets,
 * source configs, sink configs), batch by batch, then republishes the snapshots whose secrets changed. The
 * key id sits in the ciphertext's header, so the database finds the rows to rewrite itself.
 */
@ApplicationScoped
public class ReencryptionService {
    private static final int BATCH = 200;

    private final Pool pool;
    private final Crypto crypto;
    private final Access access;
    private final AuditLog audit;
    private final ControlPublisher control;

    public ReencryptionService(Pool pool, Crypto crypto, Access access, AuditLog audit, ControlPublisher control) {
        this.pool = pool;
        this.crypto = crypto;
        this.access = access;
        this.audit = audit;
        this.control = control;
    }

    /**
     * What one run rewrote.
     *
     * @param activeKey the key everything is now under
     */
    public record Report(String activeKey, int secrets, int sourceConfigs, int sinkConfigs) {}

    private record Table(String table, String column, String pipelineColumn, Function<Object, String> context) {}

    private static final List<Table> TABLES = List.of(
            new Table("pipeline_secrets", "ciphertext", "pipeline_id", Crypto::secretContext),
            new Table("pipelines", "source_config", "id", Crypto::sourceContext),
            new Table("pipeline_sinks", "sink_config", "pipeline_id", Crypto::sinkContext));

    /** Platform admins only. */
    public Uni<Report> run() {
        return access.actor().flatMap(actor -> {
            if (!actor.platformAdmin()) {
                return Uni.createFrom().failure(ApiException.forbidden("platform admins only"));
            }
            Set<UUID> pipelines = new HashSet<>();
            List<Integer> counts = new ArrayList<>();
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (Table t : TABLES) {
                chain = chain.flatMap(
                        x -> table(t, pipelines, 0).invoke(counts::add).replaceWithVoid());
            }
            return chain.flatMap(x -> pool.withTransaction(tx -> audit.record(
                            tx,
                            actor,
                            null,
                            "crypto.reencrypt",
                            "key_ring",
                            crypto.ring().activeKeyId(),
                            null,
                            new Report(crypto.ring().activeKeyId(), counts.get(0), counts.get(1), counts.get(2)))))
                    .flatMap(x -> control.publishAll(List.copyOf(pipelines)))
                    .map(x -> new Report(crypto.ring().activeKeyId(), counts.get(0), counts.get(1), counts.get(2)))
                    .invoke(r -> Log.infof("Re-encrypted under key %s: %s", r.activeKey(), r));
        });
    }

    private Uni<Integer> table(Table t, Set<UUID> pipelines, int doneSoFar) {
        return pool.withTransaction(tx -> batch(tx, t, pipelines))
                .flatMap(n -> n < BATCH ? Uni.createFrom().item(doneSoFar + n) : table(t, pipelines, doneSoFar + n));
    }

    private Uni<Integer> batch(SqlClient tx, Table t, Set<UUID> pipelines) {
        String key = crypto.ring().activeKeyId();
        return Sql.list(
                        tx,
                        r -> new Object[] {r.getUUID("id"), r.getUUID("pipeline"), Sql.bytes(r, "c")},
                        "SELECT id, " + t.pipelineColumn() + " AS pipeline, " + t.column() + " AS c FROM " + t.table()
                                + " WHERE " + t.column() + " IS NOT NULL"
                                + " AND substring(" + t.column() + " FROM 3 FOR get_byte(" + t.column()
                                + ", 1)) <> convert_to($1, 'UTF8') LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED",
                        key)
                .flatMap(rows -> {
                    Uni<Void> updates = Uni.createFrom().voidItem();
                    for (Object[] row : rows) {
                        UUID id = (UUID) row[0];
                        String context = t.context().apply(id);
                        byte[] plain = crypto.ring().decrypt((byte[]) row[2], context);
                        byte[] sealed = crypto.ring().encrypt(plain, context);
                        if (t.table().equals("pipeline_secrets") || t.table().equals("pipelines")) {
                            pipelines.add((UUID) row[1]);
                        }
                        updates = updates.flatMap(x -> Sql.run(
                                        tx,
                                        "UPDATE " + t.table() + " SET " + t.column() + " = $2 WHERE id = $1",
                                        id,
                                        sealed)
                                .replaceWithVoid());
                    }
                    return updates.map(x -> rows.size());
                });
    }
}
