package dev.dash.ingestor.ingest;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.ingestor.support.KafkaClients;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.support.RetryingTask;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes raw envelopes to {@code dash.raw} with {@code acks=all} and an idempotent producer, and tells
 * when Kafka acknowledged them. A plain {@link KafkaProducer} rather than a SmallRye emitter: the ingest
 * path needs the acknowledgement of a whole batch as one future, a bounded delivery timeout, and a send that
 * never blocks the event loop (metadata is fetched at start-up, and the in-flight limit keeps the buffer from
 * filling).
 */
@ApplicationScoped
public class RawPublisher {
    /** Keys as bytes: a request's key (its pipeline id) is encoded once, not once per event by a serializer. */
    private final KafkaProducer<byte[], byte[]> producer;

    private final RetryingTask<Integer> warmUp;
    private final int format;
    private final String topic;
    /** While Kafka fails, nanoTime until which new requests are refused at once instead of waiting. */
    private volatile long unavailableUntil;

    public RawPublisher(IngestorConfig config, KafkaClients kafka) {
        this.format = writableFormat(config.ingest().rawFormat());
        this.topic = kafka.topics().raw();
        long timeout = config.ingest().publishTimeout().toMillis();
        // Derived from the ingest settings unless configured (dash.kafka.client.ingest.*); the rest comes from
        // application.properties (acks=all, idempotence, batching).
        Map<String, Object> derived = Map.of(
                ProducerConfig.BUFFER_MEMORY_CONFIG,
                String.valueOf(
                        Math.max(64L << 20, config.ingest().maxInFlightBytes().asLongValue() * 3)),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                String.valueOf(Math.max(1000, timeout / 2)),
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                String.valueOf(Math.max(2001, timeout)),
                ProducerConfig.CLIENT_ID_CONFIG,
                "dash-ingest");
        this.producer = new KafkaProducer<>(
                kafka.producer("ingest", derived), new ByteArraySerializer(), new ByteArraySerializer());
        this.warmUp = new RetryingTask<>(
                "dash.raw metadata",
                () -> producer.partitionsFor(topic).size(),
                config.schema().retryMax(),
                e -> Log.warnf("Kafka metadata of %s not available yet: %s", topic, e.getMessage()));
    }

    /** The configured {@code dash.ingest.raw-format}, when this node can write it (1, 2 or 3). */
    static int writableFormat(int format) {
        if (!RawRecordCodec.writable(format)) {
            throw new IllegalArgumentException("dash.ingest.raw-format must be 1, 2 or 3, not " + format);
        }
        return format;
    }

    void onStart(@Observes StartupEvent event) {
        warmUp.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        warmUp.stop();
        // Flushes what is buffered: requests still waiting get their acknowledgement before the node stops.
        producer.close(Duration.ofSeconds(10));
    }

    /** The envelope as a {@code dash.raw} record in the format this node writes ({@code dash.ingest.raw-format}). */
    public RawRecordCodec.Encoded encode(RawEnvelope envelope) {
        return RawRecordCodec.encode(envelope, format);
    }

    /**
     * A request's events as {@code dash.raw} records in the format this node writes: the envelopes {@code template} is
     * but for their ids and bodies ({@link RawRecordCodec#encodeEach}).
     */
    public List<RawRecordCodec.Encoded> encodeEach(RawEnvelope template, UUID[] ids, List<byte[]> bodies) {
        return RawRecordCodec.encodeEach(template, ids, bodies, format);
    }

    /** Whether sends can be attempted now (metadata known, Kafka not failing a moment ago). */
    public boolean available() {
        return warmUp.done() && System.nanoTime() - unavailableUntil >= 0;
    }

    /** Whether the producer knows the topic's partitions (for readiness). */
    public boolean warmedUp() {
        return warmUp.done();
    }

    /**
     * Sends every record under one key (one partition, in order) when subscribed, and emits once Kafka
     * acknowledged all of them, or fails with the first error: {@link #send} for a caller in Mutiny's style (the
     * poller). The item comes on the producer's I/O thread.
     */
    public Uni<Void> publish(String key, List<RawRecordCodec.Encoded> records) {
        return Uni.createFrom().completionStage(() -> send(key, records));
    }

    /**
     * Sends every record under one key (one partition, in order) now, and completes once Kafka acknowledged all of
     * them, or fails with the first error. Records are in the {@code dash.raw} format this node writes ({@link
     * RawRecordCodec}; format 3 by default: the envelope's metadata in one header, the body as the value). The future
     * completes on the producer's I/O thread (or on the caller's, for a record refused at once); a plain future, so
     * the ingest request's path pays no Mutiny operator (docs/benchmarks.md, issue-singlepath).
     */
    public CompletableFuture<Void> send(String key, List<RawRecordCodec.Encoded> records) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        // One callback for the request's records (a batch of 100 events made 100 lambdas, one per record).
        Acks acks = new Acks(records.size());
        for (RawRecordCodec.Encoded record : records) {
            try {
                producer.send(new ProducerRecord<>(topic, null, keyBytes, record.value(), record.headers()), acks);
            } catch (RuntimeException e) {
                unavailableUntil = System.nanoTime() + 1_000_000_000L;
                acks.fail(e);
                break;
            }
        }
        return acks.done;
    }

    /**
     * Kafka's acknowledgements of one request's records: completes once all of them are acknowledged, or fails with
     * the first error (once). Called on the producer's I/O thread, or on the sender's for a record refused at once.
     */
    private final class Acks extends AtomicInteger implements Callback {
        private static final long serialVersionUID = 1L;
        /** Completed once: by the last acknowledgement, or failed by the first error. */
        final transient CompletableFuture<Void> done = new CompletableFuture<>();

        Acks(int records) {
            super(records);
        }

        @Override
        public void onCompletion(RecordMetadata meta, Exception error) {
            if (error != null) {
                // A moment of refusing at once, then the next request probes Kafka again.
                unavailableUntil = System.nanoTime() + 1_000_000_000L;
                fail(error);
            } else if (decrementAndGet() == 0) {
                done.complete(null);
            }
        }

        void fail(Throwable error) {
            // A future completes once: later errors of the same request are dropped.
            done.completeExceptionally(error);
        }
    }
}
