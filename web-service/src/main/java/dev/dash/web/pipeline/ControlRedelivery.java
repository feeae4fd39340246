package dev.dash.web.pipeline;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The relay of the {@code control_outbox}: every {@code dash.control.redelivery-interval}, publishes the
 * current state of the pipelines queued there (changes whose snapshot Kafka has not acknowledged: Kafka was
 * away, or the node that made the change stopped first), oldest first, stopping at the first failure while
 * Kafka is still away. Every web node relays, so a change made on a node that never comes back is published
 * by another; publishing a snapshot twice is harmless, as consumers keep the newest revision.
 */
@ApplicationScoped
public class ControlRedelivery {
    /** Pipelines published per round at most; the next round takes the rest. */
    static final int BATCH = 500;

    private final ControlPublisher publisher;
    private final ControlOutboxRepository outbox;

    public ControlRedelivery(ControlPublisher publisher, ControlOutboxRepository outbox) {
        this.publisher = publisher;
        this.outbox = outbox;
    }

    @Scheduled(
            every = "${dash.control.redelivery-interval:5s}",
            delayed = "${dash.control.redelivery-interval:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return runOnce().onFailure().recoverWithItem(e -> {
            Log.debugf("dash.control redelivery paused (next round retries): %s", e.getMessage());
            return null;
        });
    }

    /** One round: every queued pipeline, oldest first, until one fails. */
    public Uni<Void> runOnce() {
        return outbox.oldest(BATCH)
                .flatMap(entries -> Multi.createFrom()
                        .iterable(entries)
                        .onItem()
                        .transformToUniAndConcatenate((ControlOutboxRepository.Entry e) -> publisher
                                .deliver(e.pipelineId())
                                .invoke(() -> Log.infof(
                                        "Snapshot of pipeline %s delivered to dash.control from the outbox",
                                        e.pipelineId())))
                        .collect()
                        .last()
                        .replaceWithVoid());
    }
}
