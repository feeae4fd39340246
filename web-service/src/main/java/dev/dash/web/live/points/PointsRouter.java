package dev.dash.web.live.points;

import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.kafka.Topics;
import io.quarkus.logging.Log;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The per-record work of the live points reader: decodes one {@code dash.points} record and hands its batch
 * on. Kept apart from the consumer loop ({@link PointsFeed}) so it can move onto the shared consumer runtime
 * unchanged; it holds no offsets and never blocks (the receiver only marks what changed).
 */
public final class PointsRouter {
    private final Consumer<PointsBatch> receiver;

    public PointsRouter(Consumer<PointsBatch> receiver) {
        this.receiver = receiver;
    }

    /** Handles one record; a record that does not decode is skipped with a log line, never retried. */
    public void accept(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return;
        }
        PointsBatch batch;
        try {
            batch = PointsCodec.decode(r.value());
        } catch (RuntimeException e) {
            Log.warnf("Skipping an undecodable %s record at %d@%d: %s", Topics.POINTS, r.partition(), r.offset(), e);
            return;
        }
        receiver.accept(batch);
    }
}
