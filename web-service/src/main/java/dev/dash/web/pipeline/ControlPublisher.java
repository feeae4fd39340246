package dev.dash.web.pipeline;

import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.PipelineConfig;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes the whole pipeline snapshot on {@code dash.control} (key: pipeline id), or a tombstone when the
 * pipeline is gone. Callers invoke it only after their transaction committed, so consumers never see a
 * change that was rolled back; the snapshot is read fresh from the database, so the newest state wins.
 */
@ApplicationScoped
public class ControlPublisher {
    public static final String CHANNEL = "dash-control";

    private final MutinyEmitter<Record<String, byte[]>> emitter;
    private final PipelineSnapshots snapshots;

    public ControlPublisher(
            @Channel(CHANNEL) MutinyEmitter<Record<String, byte[]>> emitter, PipelineSnapshots snapshots) {
        this.emitter = emitter;
        this.snapshots = snapshots;
    }

    @Retry(maxRetries = 3, delay = 200)
    public Uni<Void> publish(UUID pipelineId) {
        return snapshots.load(pipelineId).flatMap(config -> config == null ? send(pipelineId, null) : send(config));
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

    @Retry(maxRetries = 3, delay = 200)
    public Uni<Void> tombstone(UUID pipelineId) {
        return send(pipelineId, null);
    }

    public Uni<Void> tombstones(List<UUID> pipelineIds) {
        return Multi.createFrom()
                .iterable(pipelineIds)
                .onItem()
                .transformToUniAndConcatenate(this::tombstone)
                .collect()
                .last()
                .replaceWithVoid();
    }

    private Uni<Void> send(PipelineConfig config) {
        return send(config.id(), ControlCodec.encode(config))
                .invoke(() -> Log.debugf("Published pipeline %s revision %d", config.id(), config.revision()));
    }

    private Uni<Void> send(UUID pipelineId, byte[] value) {
        return emitter.send(Record.of(pipelineId.toString(), value));
    }
}
