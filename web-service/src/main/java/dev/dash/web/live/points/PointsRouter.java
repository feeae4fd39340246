package dev.dash.web.live.points;

import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import io.quarkus.logging.Log;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The per-record work of the live points reader: decodes one {@code dash.points} record and hands its batch
 * on. Kept apart from the consumer loop ({@link PointsFeed}) so it can move onto the shared consumer runtime
 * unchanged; it holds no offsets and never blocks (the receiver only marks what changed).
 *
 * <p>A record of a pipeline this node has no use for (no open stream, no hot cache entry: {@code wanted}
 * false for the pipeline id that keys the record) is skipped undecoded. Every node reads every point of the
 * topic, which a broker shared by several installations fills with theirs too: decoding them all was most of the
 * node's allocation in the live benchmark (docs/benchmarks.md). A point skipped so is committed in Silver, and a
 * stream or cache entry opened after it reads it from there (as a point published before the node started).
 */
public final class PointsRouter {
    private final Predicate<UUID> wanted;
    private final Consumer<PointsBatch> receiver;
    private long skipped;

    public PointsRouter(Predicate<UUID> wanted, Consumer<PointsBatch> receiver) {
        this.wanted = wanted;
        this.receiver = receiver;
    }

    /** Handles one record; a record that does not decode is skipped with a log line, never retried. */
    public void accept(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return;
        }
        if (r.key() != null && !wanted(r.key())) {
            skipped++;
            return;
        }
        PointsBatch batch;
        try {
            batch = PointsCodec.decode(r.value());
        } catch (RuntimeException e) {
            Log.warnf("Skipping an undecodable %s record at %d@%d: %s", r.topic(), r.partition(), r.offset(), e);
            return;
        }
        receiver.accept(batch);
    }

    /** Records skipped undecoded: of pipelines this node had no use for (read by the reader's thread only). */
    public long skipped() {
        return skipped;
    }

    private boolean wanted(String key) {
        UUID pipeline;
        try {
            pipeline = UUID.fromString(key);
        } catch (IllegalArgumentException e) {
            return true; // not keyed by a pipeline id: the batch inside says which
        }
        return wanted.test(pipeline);
    }
}
