package dev.dash.model.kafka.runtime;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** What a {@link SinkTask} may ask of its runtime's consumer; only from the runtime's thread (inside a callback). */
public interface TaskContext {
    /** The partitions assigned now. */
    Set<TopicPartition> assignment();

    /** The group's committed offsets of these partitions (null values where none is committed). */
    Map<TopicPartition, OffsetAndMetadata> committed(Collection<TopicPartition> partitions);

    /** The offset the consumer will read next in this partition; -1 when the broker did not tell in time. */
    long position(TopicPartition partition, Duration timeout);

    /** The partitions' end offsets (the offset the next record will get). */
    Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout);

    /**
     * Whether the consumer has read everything its last fetches found on every assigned partition (its position is
     * the end offset the broker last reported, {@code KafkaConsumer.currentLag}): no broker round trip. False when
     * nothing is assigned or a partition's lag is not known yet. A task that batches can write at once when this
     * holds, since waiting would add latency without making the batch larger.
     */
    boolean caughtUp();

    /** Stops fetching these partitions until {@link #resume}d (e.g. back-pressure); the runtime keeps them paused. */
    void pause(Collection<TopicPartition> partitions);

    /** Fetches these partitions again (unless the runtime itself holds every partition during a retry). */
    void resume(Collection<TopicPartition> partitions);
}
