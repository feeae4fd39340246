package dev.dash.model.kafka.runtime;

import java.util.List;
import java.util.Objects;

/** How a {@link ConsumerRuntime} gets its partitions. */
public sealed interface Subscription {
    /**
     * Membership of a consumer group: Kafka spreads the topics' partitions over the group's members, and the
     * runtime commits what the task returns from {@link SinkTask#preCommit}. The group id must come from
     * configuration (a per-installation prefix), as several installations may share a broker.
     *
     * @param groupId the consumer group
     * @param topics the topics read
     */
    record Group(String groupId, List<String> topics) implements Subscription {
        public Group {
            Objects.requireNonNull(groupId, "groupId");
            topics = List.copyOf(topics);
        }
    }

    /**
     * Every partition of one topic, assigned without a group (every node reads everything, nothing is
     * committed), from the beginning or the end of each partition at every (re)start.
     *
     * @param topic the topic read
     * @param fromBeginning true to read from the beginning (a compacted topic), false for new records only
     */
    record AllPartitions(String topic, boolean fromBeginning) implements Subscription {
        public AllPartitions {
            Objects.requireNonNull(topic, "topic");
        }
    }
}
