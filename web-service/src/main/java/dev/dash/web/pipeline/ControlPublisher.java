package dev.dash.web.pipeline;

import dev.dash.model.db.PipelineSnapshots;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.web.config.WebConfig;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.unchecked.Unchecked;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes the whole pipeline snapshot on {@code dash.control} (key: pipeline id), or a tombstone when the
 * pipeline is gone. Callers invoke it only after their transaction committed, so consumers never see a
 * change that was rolled back; the snapshot is read fresh from the database, so the newest state wins.
 *
 * <p>A committed change must not be lost because Kafka was away, nor because this node stopped before Kafka
 * took it: the change's own transaction queued the pipeline in the {@code control_outbox} table (a trigger on
 * {@code pipelines}). When Kafka acknowledges a state read after the queued change, the row is deleted; when a
 * send fails or is not acknowledged within {@code dash.control.send-timeout}, the caller still succeeds and the
 * row stays, and {@link ControlRedelivery} (on any web node, after any restart) publishes it again until
 * Kafka acknowledges it.
 *
 * <p>The snapshot comes from common-model's {@link PipelineSnapshots}, the one loader every service uses (one
 * read-only repeatable-read transaction over its three queries), on the JDBC pool and a worker thread; the
 * result comes back on the caller's Vert.x context.
 */
@ApplicationScoped
public class ControlPublisher {
    public static final String CHANNEL = "dash-control";

    private final MutinyEmitter<Record<String, byte[]>> emitter;
    private final PipelineSnapshots snapshots;
    private final Vertx vertx;
    private final ControlOutboxRepository outbox;
    private final WebConfig config;

    public ControlPublisher(
            @Channel(CHANNEL) MutinyEmitter<Record<String, byte[]>> emitter,
            DataSource dataSource,
            Vertx vertx,
            ControlOutboxRepository outbox,
            WebConfig config) {
        this.emitter = emitter;
        this.snapshots = new PipelineSnapshots(dataSource);
        this.vertx = vertx;
        this.outbox = outbox;
        this.config = config;
    }

    /** Publishes the pipeline's current state; never fails: what Kafka did not take stays in the outbox. */
    public Uni<Void> publish(UUID pipelineId) {
        return deliver(pipelineId).onFailure().recoverWithItem(e -> {
            Log.warnf(
                    "Snapshot of pipeline %s not delivered to dash.control (%s); it stays in the outbox for redelivery",
                    pipelineId, e.getMessage());
            return null;
        });
    }

    public Uni<Void> publishAll(List<UUID> pipelineIds) {
        return Multi.createFrom()
                .iterable(pipelineIds)
                .onItem()
                .transformToUniAndConcatenate(this::publish)
                .collect()
                .last()
                .replaceWithVoid();
    }

    /** Publishes the pipeline's removal (a tombstone, as the pipeline row is gone); kept in the outbox if Kafka is away. */
    public Uni<Void> tombstone(UUID pipelineId) {
        return publish(pipelineId);
    }

    public Uni<Void> tombstones(List<UUID> pipelineIds) {
        return publishAll(pipelineIds);
    }

    /**
     * Publishes the current snapshot (or tombstone) and completes when Kafka acknowledged it, then takes the
     * pipeline off the outbox unless a newer change queued it meanwhile; fails otherwise. The outbox entry is
     * read before the snapshot, so the state sent is at least as new as the change that queued it.
     */
    Uni<Void> deliver(UUID pipelineId) {
        return outbox.seq(pipelineId)
                .flatMap(seq -> snapshot(pipelineId)
                        .flatMap(snapshot -> snapshot == null ? send(pipelineId, null) : send(snapshot))
                        .ifNoItem()
                        .after(config.control().sendTimeout())
                        .failWith(() -> new IllegalStateException("Kafka did not acknowledge within "
                                + config.control().sendTimeout()))
                        .flatMap(x -> seq == null ? Uni.createFrom().voidItem() : outbox.delivered(pipelineId, seq)));
    }

    /** The snapshot, or null when the pipeline does not exist (any more); read off the event loop. */
    private Uni<PipelineConfig> snapshot(UUID pipelineId) {
        return vertx.executeBlocking(
                Uni.createFrom().item(Unchecked.supplier(() -> snapshots.load(pipelineId))), false);
    }

    private Uni<Void> send(PipelineConfig snapshot) {
        return send(snapshot.id(), ControlCodec.encode(snapshot))
                .invoke(() -> Log.debugf("Published pipeline %s revision %d", snapshot.id(), snapshot.revision()));
    }

    private Uni<Void> send(UUID pipelineId, byte[] value) {
        return emitter.send(Record.of(pipelineId.toString(), value));
    }
}
