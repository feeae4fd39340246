package dev.dash.web.mapping;

import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.kafka.Topics;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.Timeout;

/**
 * The pipeline's most recent raw events, read from the tail of {@code dash.raw} (no consumer group, nothing
 * committed), for mapping previews and inference against what producers really send.
 */
@ApplicationScoped
public class RecentEvents {
    /** How many records per partition are looked at, at most. */
    static final int TAIL = 500;

    private final String bootstrapServers;

    public RecentEvents(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    @Timeout(10_000)
    public Uni<List<RawEnvelope>> of(UUID pipelineId, int limit) {
        return Uni.createFrom()
                .item(() -> read(pipelineId, limit))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private List<RawEnvelope> read(UUID pipelineId, int limit) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dash-web-preview");
        Deque<RawEnvelope> recent = new ArrayDeque<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.RAW, Duration.ofSeconds(5)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(5));
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, Duration.ofSeconds(5));
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - TAIL));
            }
            String key = pipelineId.toString();
            long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            while (System.nanoTime() < deadline && !caughtUp(consumer, partitions, end)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null || (r.key() != null && !r.key().equals(key))) {
                        continue;
                    }
                    try {
                        RawEnvelope e = RawRecordCodec.decode(r.headers(), r.value());
                        if (e.pipelineId().equals(pipelineId)) {
                            recent.addLast(e);
                            if (recent.size() > limit) {
                                recent.removeFirst();
                            }
                        }
                    } catch (RuntimeException ex) {
                        Log.debugf("Skipping an undecodable record at %s-%d@%d", r.topic(), r.partition(), r.offset());
                    }
                }
            }
        }
        List<RawEnvelope> out = new ArrayList<>(recent);
        out.sort((a, b) -> a.receivedAt().compareTo(b.receivedAt()));
        return out;
    }

    private static boolean caughtUp(
            KafkaConsumer<String, byte[]> c, List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (c.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }
}
