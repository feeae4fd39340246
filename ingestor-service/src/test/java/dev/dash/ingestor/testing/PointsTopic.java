package dev.dash.ingestor.testing;

import dev.dash.model.testing.LocalServices;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/** Reads {@code dash.points} for one pipeline. */
public final class PointsTopic {
    private PointsTopic() {}

    /** A consumer of the pipeline's partition of {@code dash.points}, positioned at its end (no group). */
    public static KafkaConsumer<String, byte[]> fromEnd(UUID pipeline) {
        Properties props = new Properties();
        props.put(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props);
        int n = c.partitionsFor(LocalServices.topics().points()).size();
        TopicPartition tp = new TopicPartition(
                LocalServices.topics().points(),
                Utils.toPositive(Utils.murmur2(pipeline.toString().getBytes(StandardCharsets.UTF_8))) % n);
        c.assign(List.of(tp));
        c.seekToEnd(List.of(tp));
        c.position(tp);
        return c;
    }
}
