package dev.dash.web.pipeline;

import dev.dash.web.api.Sql;
import dev.dash.web.config.WebConfig;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The safety net of {@code dash.control}: publishes again, every {@code dash.control.redelivery-interval},
 * the pipelines whose snapshot Kafka has not acknowledged ({@link ControlPublisher} queues them), stopping
 * at the first failure while Kafka is still away. Its first round also queues every pipeline
 * changed within {@code dash.control.startup-catch-up}, for a node that stopped between a commit and its
 * publication. Publishing a snapshot twice is harmless: consumers keep the newest revision.
 */
@ApplicationScoped
public class ControlRedelivery {
    private final ControlPublisher publisher;
    private final Pool pool;
    private final WebConfig config;
    private final AtomicBoolean caughtUp = new AtomicBoolean();

    public ControlRedelivery(ControlPublisher publisher, Pool pool, WebConfig config) {
        this.publisher = publisher;
        this.pool = pool;
        this.config = config;
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

    /** One round: the catch-up once, then every queued pipeline until one fails. */
    public Uni<Void> runOnce() {
        Uni<Void> catchUp = caughtUp.get()
                ? Uni.createFrom().voidItem()
                : Sql.list(
                                pool,
                                r -> r.getUUID("id"),
                                "SELECT id FROM pipelines WHERE updated_at > now() - make_interval(secs => $1)",
                                (double) config.control().startupCatchUp().toSeconds())
                        .invoke(ids -> {
                            ids.forEach(id -> publisher.queue(id, null));
                            caughtUp.set(true);
                            if (!ids.isEmpty()) {
                                Log.infof(
                                        "Publishing %d recently changed pipeline(s) again on dash.control", ids.size());
                            }
                        })
                        .replaceWithVoid();
        return catchUp.flatMap(x -> Multi.createFrom()
                .iterable(publisher.undelivered())
                .onItem()
                .transformToUniAndConcatenate((UUID id) -> publisher
                        .deliver(id)
                        .invoke(() -> Log.infof("Snapshot of pipeline %s redelivered to dash.control", id)))
                .collect()
                .last()
                .replaceWithVoid());
    }
}
