package dev.dash.web.mapping;

import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.kafka.KafkaSettings;
import dev.dash.model.kafka.TopicNames;
import dev.dash.web.config.WebConfig;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.Timeout;

/**
 * The pipeline's most recent raw events, read from {@code dash.raw} (no consumer group, nothing committed), for
 * mapping previews, inference and the pipeline page's "Recent events". Every record of a pipeline is keyed by
 * its id, so they all live on the partition the producer's default partitioner gives that key: only that
 * partition is read, backwards from its end in windows, until enough of the pipeline's events are found, its
 * beginning is reached, or {@link #MAX_SCANNED} records or {@link #DEADLINE} have been spent. A quiet pipeline
 * on a busy partition is found as long as its last events are within that many records of the end. Consumer
 * client {@code preview} in {@code dash.kafka.client.*}.
 */
@ApplicationScoped
public class RecentEvents {
    /** Records read per step backwards. */
    static final int WINDOW = 2_000;
    /** Records read at most per request, however few of them are the pipeline's. */
    static final int MAX_SCANNED = 200_000;
    /** Time spent at most per request; what was found by then is answered. */
    static final Duration DEADLINE = Duration.ofSeconds(8);

    private final Map<String, Object> consumerConfig;
    private final String topic;

    public RecentEvents(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            WebConfig config,
            TopicNames topics) {
        this.topic = topics.raw();
        // What the reading needs is the code's; anything else comes from dash.kafka.consumer.* and then
        // dash.kafka.client.preview.* (docs/configuration.md).
        this.consumerConfig = KafkaSettings.layered(
                Map.of(
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, WINDOW,
                        ConsumerConfig.CLIENT_ID_CONFIG, "dash-web-preview"),
                bootstrapServers,
                config.kafka().consumer(),
                config.kafka().client().get("preview"));
    }

    @Timeout(10_000)
    public Uni<List<RawEnvelope>> of(UUID pipelineId, int limit) {
        return Uni.createFrom()
                .item(() -> read(pipelineId, limit))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** The partition the producers' default partitioner gives a pipeline's records (murmur2 of the key). */
    static int partitionOf(UUID pipelineId, int partitions) {
        byte[] key = pipelineId.toString().getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    private List<RawEnvelope> read(UUID pipelineId, int limit) {
        String key = pipelineId.toString();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        // Newest window first; each window's events in offset order.
        List<List<RawEnvelope>> windows = new ArrayList<>();
        int found = 0;
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer())) {
            int partitions =
                    consumer.partitionsFor(topic, Duration.ofSeconds(5)).size();
            TopicPartition tp = new TopicPartition(topic, partitionOf(pipelineId, partitions));
            consumer.assign(List.of(tp));
            long begin = consumer.beginningOffsets(List.of(tp), Duration.ofSeconds(5))
                    .get(tp);
            long windowEnd =
                    consumer.endOffsets(List.of(tp), Duration.ofSeconds(5)).get(tp);
            long scanned = 0;
            while (found < limit && windowEnd > begin && scanned < MAX_SCANNED && System.nanoTime() < deadline) {
                long windowStart = Math.max(begin, windowEnd - WINDOW);
                consumer.seek(tp, windowStart);
                List<RawEnvelope> window = new ArrayList<>();
                while (consumer.position(tp) < windowEnd && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.offset() >= windowEnd || r.value() == null || !key.equals(r.key())) {
                            continue;
                        }
                        try {
                            RawEnvelope e = RawRecordCodec.decode(r.headers(), r.value());
                            if (e.pipelineId().equals(pipelineId)) {
                                window.add(e);
                            }
                        } catch (RuntimeException ex) {
                            Log.debugf(
                                    "Skipping an undecodable record at %s-%d@%d", r.topic(), r.partition(), r.offset());
                        }
                    }
                }
                windows.add(window);
                found += window.size();
                scanned += windowEnd - windowStart;
                windowEnd = windowStart;
            }
        }
        List<RawEnvelope> out = new ArrayList<>(found);
        for (int i = windows.size() - 1; i >= 0; i--) {
            out.addAll(windows.get(i));
        }
        out = new ArrayList<>(out.subList(Math.max(0, out.size() - limit), out.size()));
        out.sort((a, b) -> a.receivedAt().compareTo(b.receivedAt()));
        return out;
    }
}
