package dev.dash.web.testing;

import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.signature.VerificationResult;
import dev.dash.model.testing.LocalServices;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Raw webhook events on dash.raw, keyed by their pipeline as the ingestor keys them. */
public final class RawEvents {
    private RawEvents() {}

    /** One JSON event of {@code pipeline}, received now. */
    public static Future<RecordMetadata> send(
            KafkaProducer<String, byte[]> producer, UUID pipeline, UUID team, String json) {
        RawEnvelope e = new RawEnvelope(
                UUID.randomUUID(),
                pipeline,
                team,
                Instant.now(),
                Source.WEBHOOK,
                null,
                "application/json",
                Map.of(),
                json.getBytes(StandardCharsets.UTF_8),
                VerificationResult.notRequired());
        return producer.send(
                new ProducerRecord<>(LocalServices.topics().raw(), pipeline.toString(), EnvelopeCodec.encode(e)));
    }
}
