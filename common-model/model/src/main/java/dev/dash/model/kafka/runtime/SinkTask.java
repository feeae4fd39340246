package dev.dash.model.kafka.runtime;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What a Kafka consumer does with its records, run by a {@link ConsumerRuntime} (Kafka Connect's sink task to
 * the runtime's {@code WorkerSinkTask}). The runtime owns the thread, the consumer, the subscription,
 * rebalances, pauses, back-off and commits; the task only says what to do with records and which offsets are
 * durable. Every method is called on the runtime's one thread, so a task needs no locking of its own state.
 *
 * <p>Order: {@link #start} once per consumer session, then {@link #open} for assigned partitions, {@link #put}
 * after every poll (also with no records, for time-based work) each followed by {@link #preCommit}; before
 * partitions go away {@link #flush}, a last {@link #preCommit} and commit, then {@link #close}. Partitions lost
 * to another member (session expired) are only {@link #close}d. Group subscriptions use eager rebalancing: every
 * partition is closed and the new assignment opened.
 *
 * <p>Failures: throwing {@link RetryLater} from {@link #open}, {@link #put} or {@link #preCommit} pauses every
 * partition and calls the same method again, with the same arguments, after the runtime's back-off, until it
 * succeeds (records polled meanwhile are read again later). Any other exception ends the session: the runtime
 * closes every partition, closes the consumer and starts again from the committed offsets after back-off.
 *
 * @param <K> record key type
 * @param <V> record value type
 */
public interface SinkTask<K, V> {
    /** A new consumer session starts; {@code context} gives the task what it may ask of the consumer. */
    default void start(TaskContext context) {}

    /** The partitions are now this task's, positioned at their committed offset (or the subscription's start). */
    default void open(Collection<TopicPartition> partitions) throws Exception {}

    /**
     * Takes the records of one poll, in partition order; empty when the poll returned none. On {@link
     * RetryLater} the task must have kept none of them: the same list is given again.
     */
    void put(List<ConsumerRecord<K, V>> records) throws Exception;

    /**
     * Which offsets may be committed now: only what is durable. {@code consumed} holds, for each partition
     * with records {@link #put} since its last commit, the offset after the last one. The default commits
     * them (a task whose {@link #put} is durable). The runtime commits exactly the returned offsets, then
     * calls {@link #committed}. Ignored for subscriptions without a group.
     */
    default Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> consumed)
            throws Exception {
        return consumed;
    }

    /** Kafka has committed these offsets (returned by the last {@link #preCommit}). */
    default void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    /**
     * The partitions are about to be closed (rebalance or stop): make durable whatever can be, so that the
     * {@link #preCommit} that follows can return it. Failures are logged; the next owner reads again.
     */
    default void flush(Collection<TopicPartition> partitions) throws Exception {}

    /** The partitions are no longer this task's: forget their state, uncommitted work included. */
    default void close(Collection<TopicPartition> partitions) {}
}
