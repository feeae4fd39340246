package dev.dash.ingestor.silver;

import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.silver.SilverBatch;
import io.quarkus.logging.Log;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes the points of a committed Silver batch on {@code dash.points}, per pipeline, for the web nodes'
 * live dashboards. Best effort: Silver is the truth, a refused record is logged and the others still go. The
 * producer is made on the first batch and closed by {@link #close}.
 */
final class PointsPublisher implements AutoCloseable {
    /**
     * Largest {@code dash.points} record value published, in bytes: half of Kafka's default {@code
     * max.message.bytes} (1 MiB), which {@code dash.points} keeps, so a record is accepted with room to spare
     * for its key and the batch overhead. A pipeline's points of one batch ({@code batch-rows} rows of about
     * 250 bytes of JSON each, more with many labels) often exceed 1 MiB and go out as several records.
     */
    static final int RECORD_MAX_BYTES = 512 * 1024;

    private final Map<String, Object> properties;
    private final String topic;
    private KafkaProducer<String, byte[]> producer;

    /**
     * @param properties the producer's properties (from configuration)
     * @param topic this installation's points topic
     */
    PointsPublisher(Map<String, Object> properties, String topic) {
        this.properties = properties;
        this.topic = topic;
    }

    /**
     * The batch's points per pipeline, in the order written, each list with its pipeline's team: what {@link
     * #publish} sends.
     */
    static Map<UUID, PointsBatch> byPipeline(SilverBatch batch, Instant committed) {
        Map<UUID, List<PointsBatch.Point>> points = new LinkedHashMap<>();
        Map<UUID, UUID> teams = new LinkedHashMap<>();
        for (SilverBatch.Row r : batch.rows()) {
            points.computeIfAbsent(r.pipelineId(), k -> new ArrayList<>())
                    .add(new PointsBatch.Point(
                            r.time(),
                            r.metric(),
                            r.labels(),
                            r.value(),
                            r.eventId(),
                            r.seq(),
                            r.mappingVersion(),
                            r.receivedAt()));
            teams.put(r.pipelineId(), r.teamId());
        }
        Map<UUID, PointsBatch> out = new LinkedHashMap<>();
        points.forEach(
                (pipeline, list) -> out.put(pipeline, new PointsBatch(pipeline, teams.get(pipeline), committed, list)));
        return out;
    }

    /**
     * Publishes the batch's points, per pipeline in records of at most {@link #RECORD_MAX_BYTES}, each a {@link
     * PointsBatch} with the next points in the order written ({@link PointsCodec#encodeSplit}). All carry the
     * pipeline id as key, so they land in one partition in send order, which the (idempotent) producer keeps
     * through retries. Returns once Kafka acknowledged every record, so the writer commits its dash.raw offsets
     * only after the points are out (a crash in between publishes them again: at least once, never lost). Only a
     * single point over the bound (a label of half a megabyte) gets a larger record of its own, which the broker
     * may refuse; a refused record is logged, the others still count.
     *
     * @throws IllegalStateException when a record was not acknowledged within {@code timeout}
     */
    void publish(SilverBatch batch, Instant committed, Duration timeout) {
        if (batch.rows().isEmpty()) {
            return;
        }
        if (producer == null) {
            producer = new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<String> what = new ArrayList<>();
        byPipeline(batch, committed).forEach((pipeline, points) -> {
            String key = pipeline.toString();
            for (byte[] part : PointsCodec.encodeSplit(points, RECORD_MAX_BYTES)) {
                sent.add(producer.send(new ProducerRecord<>(topic, key, part)));
                what.add("pipeline " + pipeline + " (a record of " + part.length + " bytes)");
            }
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RecordTooLargeException) {
                    // One point over the broker's bound: refused for good, so the others still count.
                    Log.warnf(
                            "Points of %s refused by the broker: %s",
                            what.get(i), e.getCause().getMessage());
                } else {
                    throw new IllegalStateException(
                            "publishing points of " + what.get(i) + " failed: "
                                    + e.getCause().getMessage(),
                            e);
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("publishing points of " + what.get(i) + " timed out", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing points", e);
            }
        }
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
