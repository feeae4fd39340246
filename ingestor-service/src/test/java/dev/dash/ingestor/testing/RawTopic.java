package dev.dash.ingestor.testing;

import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.testing.LocalServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/** Looks into {@code dash.raw} for one pipeline: its partition's end offset, and its records after a mark. */
public final class RawTopic implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final int partitions;

    public RawTopic() {
        this(LocalServices.ensureStarted().kafkaBootstrap());
    }

    /** Looks into the {@code dash.raw} of another broker (a test's private one). */
    public RawTopic(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(p);
        partitions = consumer.partitionsFor(LocalServices.topics().raw()).size();
    }

    /** The partition a pipeline's events go to (Kafka's default partitioner over the key). */
    public TopicPartition partitionOf(UUID pipelineId) {
        byte[] key = pipelineId.toString().getBytes(StandardCharsets.UTF_8);
        return new TopicPartition(LocalServices.topics().raw(), Utils.toPositive(Utils.murmur2(key)) % partitions);
    }

    /** The end offset of the pipeline's partition now. */
    public long mark(UUID pipelineId) {
        TopicPartition tp = partitionOf(pipelineId);
        Map<TopicPartition, Long> end = consumer.endOffsets(List.of(tp));
        return end.get(tp);
    }

    /** The pipeline's envelopes written after {@code from}, up to the current end. */
    public List<RawEnvelope> since(UUID pipelineId, long from) {
        TopicPartition tp = partitionOf(pipelineId);
        long end = mark(pipelineId);
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        List<RawEnvelope> out = new ArrayList<>();
        while (consumer.position(tp) < end) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                if (r.offset() < end && pipelineId.toString().equals(r.key())) {
                    out.add(RawRecordCodec.decode(r.headers(), r.value()));
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
