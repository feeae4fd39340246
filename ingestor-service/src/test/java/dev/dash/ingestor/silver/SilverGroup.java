package dev.dash.ingestor.silver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.testing.LocalServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;

/**
 * What the Silver writer's tests need to know of {@code dash.raw} and of this run's {@code <prefix>-silver} group: end
 * and committed offsets per partition, a pipeline's events with their offsets, and a rebalance on demand.
 */
final class SilverGroup implements AutoCloseable {
    static final String GROUP = LocalServices.groupPrefix() + "-silver";

    private final String bootstrap = LocalServices.ensureStarted().kafkaBootstrap();
    private final Admin admin;
    private final KafkaConsumer<String, byte[]> reader;
    private final List<TopicPartition> partitions;

    SilverGroup() {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        reader = new KafkaConsumer<>(p);
        partitions = reader.partitionsFor(LocalServices.topics().raw()).stream()
                .map(i -> new TopicPartition(LocalServices.topics().raw(), i.partition()))
                .sorted(Comparator.comparingInt(TopicPartition::partition))
                .toList();
    }

    /** Number of partitions of {@code dash.raw}. */
    int partitionCount() {
        return partitions.size();
    }

    /** The partition a pipeline's events go to (Kafka's default partitioner over the key). */
    int partitionOf(UUID pipelineId) {
        byte[] key = pipelineId.toString().getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % partitions.size();
    }

    /** The end offset (high watermark) of every partition now. */
    Map<Integer, Long> end() {
        return byPartition(reader.endOffsets(partitions));
    }

    /**
     * The offset the group's owner of each partition will read next at the least, from now on: its committed
     * offset, or the partition's start when none is committed (the group reads from the earliest).
     */
    Map<Integer, Long> committed() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata()
                .get();
        Map<Integer, Long> start = byPartition(reader.beginningOffsets(partitions));
        Map<Integer, Long> out = new TreeMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = committed.get(tp);
            out.put(tp.partition(), Math.max(start.get(tp.partition()), o == null ? 0 : o.offset()));
        }
        return out;
    }

    /** Waits until the group has committed every partition up to where it ends now (it has read it all). */
    Map<Integer, Long> awaitCaughtUp() {
        Map<Integer, Long> end = end();
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<Integer, Long> committed = committed();
            end.forEach((partition, offset) -> assertThat(committed.get(partition))
                    .as("committed offset of partition %d", partition)
                    .isGreaterThanOrEqualTo(offset));
        });
        return end;
    }

    /** The pipeline's events on its partition from {@code from} to the current end: offset to event id. */
    Map<Long, UUID> events(UUID pipelineId, long from) {
        TopicPartition tp = partitions.get(partitionOf(pipelineId));
        long to = reader.endOffsets(List.of(tp)).get(tp);
        reader.assign(List.of(tp));
        reader.seek(tp, from);
        Map<Long, UUID> out = new LinkedHashMap<>();
        while (reader.position(tp) < to) {
            for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(200))) {
                if (r.offset() < to && pipelineId.toString().equals(r.key())) {
                    out.put(
                            r.offset(),
                            RawRecordCodec.decode(r.headers(), r.value()).eventId());
                }
            }
        }
        return out;
    }

    /**
     * Makes the group rebalance twice: a member joins (the writer's partitions are revoked and it is assigned
     * some of them again), takes its share, and leaves (the writer is assigned every partition). It commits
     * nothing, so the writer reads on from where it was.
     */
    void rebalance() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dash-silver-test-member");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        // The writer's runtime rebalances eagerly (range): the member must use the same protocol.
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        AtomicBoolean assigned = new AtomicBoolean();
        try (KafkaConsumer<String, byte[]> member = new KafkaConsumer<>(p)) {
            member.subscribe(List.of(LocalServices.topics().raw()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> revoked) {}

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> got) {
                    assigned.set(!got.isEmpty());
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                member.poll(Duration.ofMillis(100));
                return assigned.get();
            });
        }
    }

    private static Map<Integer, Long> byPartition(Map<TopicPartition, Long> offsets) {
        Map<Integer, Long> out = new TreeMap<>();
        offsets.forEach((tp, o) -> out.put(tp.partition(), o));
        return out;
    }

    @Override
    public void close() {
        reader.close();
        admin.close();
    }
}
