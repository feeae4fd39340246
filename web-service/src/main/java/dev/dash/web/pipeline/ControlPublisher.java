package dev.dash.web.pipeline;

import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.web.config.WebConfig;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes the whole pipeline snapshot on {@code dash.control} (key: pipeline id), or a tombstone when the
 * pipeline is gone. Callers invoke it only after their transaction committed, so consumers never see a
 * change that was rolled back; the snapshot is read fresh from the database, so the newest state wins.
 *
 * <p>A committed change must not be lost because Kafka was away: when a send fails or is not acknowledged
 * within {@code dash.control.send-timeout}, the caller still succeeds and the pipeline id is queued;
 * {@link ControlRedelivery} publishes the queued ids again (snapshot or tombstone, whichever is current then)
 * until Kafka acknowledges them.
 */
@ApplicationScoped
public class ControlPublisher {
    public static final String CHANNEL = "dash-control";

    private final MutinyEmitter<Record<String, byte[]>> emitter;
    private final PipelineSnapshots snapshots;
    private final WebConfig config;
    private final Set<UUID> undelivered = ConcurrentHashMap.newKeySet();

    public ControlPublisher(
            @Channel(CHANNEL) MutinyEmitter<Record<String, byte[]>> emitter,
            PipelineSnapshots snapshots,
            WebConfig config) {
        this.emitter = emitter;
        this.snapshots = snapshots;
        this.config = config;
    }

    /** Publishes the pipeline's current state; never fails: what Kafka did not take is queued for redelivery. */
    public Uni<Void> publish(UUID pipelineId) {
        return deliver(pipelineId).onFailure().recoverWithItem(e -> {
            queue(pipelineId, e);
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

    /** Publishes the pipeline's removal (a tombstone, as the pipeline row is gone); queued if Kafka is away. */
    public Uni<Void> tombstone(UUID pipelineId) {
        return publish(pipelineId);
    }

    public Uni<Void> tombstones(List<UUID> pipelineIds) {
        return publishAll(pipelineIds);
    }

    /**
     * Publishes the current snapshot (or tombstone) and completes when Kafka acknowledged it; fails
     * otherwise. Delivery of a queued id succeeding takes it off the queue.
     */
    Uni<Void> deliver(UUID pipelineId) {
        return snapshots
                .load(pipelineId)
                .flatMap(snapshot -> snapshot == null ? send(pipelineId, null) : send(snapshot))
                .ifNoItem()
                .after(config.control().sendTimeout())
                .failWith(() -> new IllegalStateException(
                        "Kafka did not acknowledge within " + config.control().sendTimeout()))
                .invoke(() -> undelivered.remove(pipelineId));
    }

    /** The pipelines whose newest state Kafka has not acknowledged yet. */
    Set<UUID> undelivered() {
        return Set.copyOf(undelivered);
    }

    /** Queues a pipeline for redelivery; {@code cause} is null for the start-up catch-up. */
    void queue(UUID pipelineId, Throwable cause) {
        if (undelivered.add(pipelineId) && cause != null) {
            Log.warnf(
                    "Snapshot of pipeline %s not delivered to dash.control (%s); queued for redelivery",
                    pipelineId, cause.getMessage());
        }
    }

    private Uni<Void> send(PipelineConfig snapshot) {
        return send(snapshot.id(), ControlCodec.encode(snapshot))
                .invoke(() -> Log.debugf("Published pipeline %s revision %d", snapshot.id(), snapshot.revision()));
    }

    private Uni<Void> send(UUID pipelineId, byte[] value) {
        return emitter.send(Record.of(pipelineId.toString(), value));
    }
}
