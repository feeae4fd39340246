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
     * for its key and the batch overhead. A pipeline's points of one batch ({@code batch-rows} rows of a few dozen
     * bytes each in {@link PointsCodec}'s binary format, more with many or long labels) rarely exceed it; when they
     * do, they go out as several records.
     */
    static final int RECORD_MAX_BYTES = 512 * 1024;

    private final Map<String, Object> properties;
    private final String topic;
    /** The record format written ({@link PointsCodec}). */
    private final int format;

    private KafkaProducer<String, byte[]> producer;

    /**
     * @param properties the producer's properties (from configuration)
     * @param topic this installation's points topic
     */
    PointsPublisher(Map<String, Object> properties, String topic) {
        this(properties, topic, PointsCodec.CURRENT_FORMAT);
    }

    /**
     * @param properties the producer's properties (from configuration)
     * @param topic this installation's points topic
     * @param format the record format to write (1 only while consumers that read nothing else still run)
     */
    PointsPublisher(Map<String, Object> properties, String topic, int format) {
        this.properties = properties;
        this.topic = topic;
        this.format = format;
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
     * The records {@link #publish} sends for the batch: per pipeline, in the order written, parts of at most {@link
     * #RECORD_MAX_BYTES} in this publisher's format, keyed by the pipeline id.
     */
    List<ProducerRecord<String, byte[]>> records(SilverBatch batch, Instant committed) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        byPipeline(batch, committed).forEach((pipeline, points) -> {
            String key = pipeline.toString();
            for (byte[] part : PointsCodec.encodeSplit(points, RECORD_MAX_BYTES, format)) {
                out.add(new ProducerRecord<>(topic, key, part));
            }
        });
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
        List<ProducerRecord<String, byte[]>> records = records(batch, committed);
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        for (ProducerRecord<String, byte[]> r : records) {
            sent.add(producer.send(r));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RecordTooLargeException) {
                    // One point over the broker's bound: refused for good, so the others still count.
                    Log.warnf(
                            "Points of %s refused by the broker: %s",
                            describe(records.get(i)), e.getCause().getMessage());
                } else {
                    throw new IllegalStateException(
                            "publishing points of " + describe(records.get(i)) + " failed: "
                                    + e.getCause().getMessage(),
                            e);
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("publishing points of " + describe(records.get(i)) + " timed out", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing points", e);
            }
        }
    }

    private static String describe(ProducerRecord<String, byte[]> r) {
        return "pipeline " + r.key() + " (a record of " + r.value().length + " bytes)";
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
