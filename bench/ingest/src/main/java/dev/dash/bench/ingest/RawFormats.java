package dev.dash.bench.ingest;

import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingResult;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * The per-event work that depends on the {@code dash.raw} record format (docs/architecture.md, "The dash.raw record"),
 * two formats (by default 2, the metadata in a header per field, and 3, the metadata in one {@code dash.meta} header;
 * format 1 is the JSON envelope) in one JVM and one run, on one thread. Stages:
 *
 * <ul>
 *   <li>{@code encode}, {@code head}, {@code decode}: the codec alone ({@link RawRecordCodec#encode}, {@link
 *       RawRecordCodec#head}, {@link RawRecordCodec#decodeWithoutRequestHeaders});
 *   <li>{@code produce}: the ingestor's encode and what Kafka's producer does with the record on the caller's thread
 *       ({@code KafkaProducer.doSend}): the {@code ProducerRecord}, the key serialised, the size estimate, and the
 *       append into a batch ({@link MemoryRecordsBuilder}, 100 records a batch, uncompressed as {@code dash.raw} is
 *       sent), which encodes every header key to UTF-8 and sizes every header;
 *   <li>{@code consume}: what a consumer's {@code poll} does per record with those batches ({@code CompletedFetch}):
 *       the batch's CRC, the record and its headers parsed, the key and the value deserialised;
 *   <li>{@code archive}: {@code consume} and the Bronze archiver's {@link RawRecordCodec#head} (the line it stores);
 *   <li>{@code write}: {@code consume} and the Silver writer's decode and mapping (which parses the body).
 * </ul>
 *
 * <p>Measured by {@link PerEventRounds}: thread CPU time and bytes allocated per event, rounds alternating the formats,
 * medians of the rounds. Payloads: the load generator's sensor reading (180 bytes, the 2-metric mapping of {@link
 * BenchSetup}) and, when run from the repository root, the mapping benchmark's GitHub push (9 KB) and IoT reading (44
 * points); every envelope carries what the GitHub preset keeps (4 request headers, a verified signature), as the
 * ingest benchmark's load does: 16 headers a format-2 record.
 *
 * <pre>
 * java -cp "$(cat bench/ingest/target/classpath.txt):bench/ingest/target/classes" dev.dash.bench.ingest.RawFormats 20000 7 2 3
 * </pre>
 */
public final class RawFormats {
    private static final String TOPIC = "dash.raw";
    private static final int BATCH = 100;

    /** The batches' buffer, reused as the producer's buffer pool reuses its batch.size buffers. */
    private static final ByteBuffer BUFFER = ByteBuffer.allocate(8 << 20);

    private RawFormats() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int[] formats = {
            args.length > 2 ? Integer.parseInt(args[2]) : 2, args.length > 3 ? Integer.parseInt(args[3]) : 3
        };
        PerEventRounds.printHeader(rounds, events);
        for (String[] p : PerEventRounds.payloads()) {
            List<RawEnvelope> envelopes = envelopes(p[0], p[1], events, true);
            CompiledMapping mapping = MappingCompiler.compile(p[2]);
            List<List<Rec>> records = List.of(records(envelopes, formats[0]), records(envelopes, formats[1]));
            List<List<ByteBuffer>> batches = List.of(batches(envelopes, formats[0]), batches(envelopes, formats[1]));
            for (int v = 0; v < 2; v++) {
                long bytes = 0;
                for (ByteBuffer b : batches.get(v)) {
                    bytes += b.remaining();
                }
                System.out.printf(
                        "# payload=%s format=%d headers=%d bytes_per_record_in_batches=%.0f%n",
                        p[0], formats[v], records.get(v).get(0).headers().toArray().length, (double) bytes / events);
            }
            String[] stages = {"encode", "head", "decode", "produce", "consume", "archive", "write"};
            PerEventRounds.Medians m = PerEventRounds.measure(
                    stages.length,
                    rounds,
                    envelopes.size(),
                    (s, f) -> run(stages[s], envelopes, records.get(f), batches.get(f), formats[f], mapping));
            PerEventRounds.printResults(p[0], stages, "f" + formats[0], "f" + formats[1], m);
        }
    }

    /** A record as a consumer receives it. */
    private record Rec(RecordHeaders headers, byte[] value) {}

    private static List<Rec> records(List<RawEnvelope> envelopes, int format) {
        List<Rec> out = new ArrayList<>(envelopes.size());
        for (RawEnvelope e : envelopes) {
            RawRecordCodec.Encoded r = RawRecordCodec.encode(e, format);
            out.add(new Rec(new RecordHeaders(r.headers()), r.value()));
        }
        return out;
    }

    /** The records as the broker hands them to a consumer: batches of {@value #BATCH}. */
    private static List<ByteBuffer> batches(List<RawEnvelope> envelopes, int format) {
        List<ByteBuffer> out = new ArrayList<>();
        produce(envelopes, format, out);
        return out;
    }

    /**
     * The ingestor's encode and the producer's work on the caller's thread, into batches of {@value #BATCH} records;
     * each batch built is added to {@code out} when it is not null.
     */
    private static long produce(List<RawEnvelope> envelopes, int format, List<ByteBuffer> out) {
        StringSerializer keys = new StringSerializer();
        long sink = 0;
        MemoryRecordsBuilder builder = null;
        int n = 0;
        for (RawEnvelope e : envelopes) {
            RawRecordCodec.Encoded r = RawRecordCodec.encode(e, format);
            ProducerRecord<String, byte[]> record =
                    new ProducerRecord<>(TOPIC, null, e.pipelineId().toString(), r.value(), r.headers());
            // KafkaProducer.doSend: the headers made read-only and copied into an array, the key serialised, the
            // record's size bounded; then RecordAccumulator's room check and the append.
            ((RecordHeaders) record.headers()).setReadOnly();
            Header[] headers = record.headers().toArray();
            byte[] key = keys.serialize(TOPIC, record.headers(), record.key());
            int size = AbstractRecords.estimateSizeInBytesUpperBound(
                    RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE, key, record.value(), headers);
            sink += size;
            if (builder == null) {
                BUFFER.clear();
                builder = MemoryRecords.builder(BUFFER, Compression.NONE, TimestampType.CREATE_TIME, 0L);
            }
            long now = e.receivedAt().toEpochMilli();
            if (!builder.hasRoomFor(now, key, record.value(), headers)) {
                throw new IllegalStateException("a batch's buffer too small");
            }
            builder.append(now, key, record.value(), headers);
            if (++n == BATCH) {
                sink += close(builder, out);
                builder = null;
                n = 0;
            }
        }
        if (builder != null) {
            sink += close(builder, out);
        }
        return sink;
    }

    private static long close(MemoryRecordsBuilder builder, List<ByteBuffer> out) {
        MemoryRecords built = builder.build();
        if (out != null) {
            ByteBuffer copy = ByteBuffer.allocate(built.sizeInBytes());
            copy.put(built.buffer().duplicate()).flip();
            out.add(copy);
        }
        return built.sizeInBytes();
    }

    /** What a consumer does per record of the batches, then {@code task} with the record. */
    private static long consume(
            List<ByteBuffer> batches, java.util.function.ToLongFunction<ConsumerRecord<String, byte[]>> task) {
        StringDeserializer keys = new StringDeserializer();
        ByteArrayDeserializer values = new ByteArrayDeserializer();
        long sink = 0;
        for (ByteBuffer b : batches) {
            for (RecordBatch batch :
                    MemoryRecords.readableRecords(b.duplicate()).batches()) {
                // check.crcs is on by default
                batch.ensureValid();
                try (CloseableIterator<Record> it = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
                    while (it.hasNext()) {
                        Record record = it.next();
                        // CompletedFetch.parseRecord
                        Headers headers = new RecordHeaders(record.headers());
                        String key = keys.deserialize(TOPIC, headers, record.key());
                        byte[] value = values.deserialize(TOPIC, headers, record.value());
                        ConsumerRecord<String, byte[]> r = new ConsumerRecord<>(
                                TOPIC,
                                0,
                                record.offset(),
                                record.timestamp(),
                                TimestampType.CREATE_TIME,
                                record.keySize(),
                                record.valueSize(),
                                key,
                                value,
                                headers,
                                Optional.empty());
                        sink += task.applyAsLong(r);
                    }
                }
            }
        }
        return sink;
    }

    /** One stage over every event. */
    private static long run(
            String stage,
            List<RawEnvelope> envelopes,
            List<Rec> records,
            List<ByteBuffer> batches,
            int format,
            CompiledMapping mapping) {
        long sink = 0;
        switch (stage) {
            case "encode" -> {
                for (RawEnvelope e : envelopes) {
                    sink += RawRecordCodec.encode(e, format).headers().size();
                }
            }
            case "head" -> {
                for (Rec r : records) {
                    sink += RawRecordCodec.head(r.headers(), r.value()).line().length;
                }
            }
            case "decode" -> {
                for (Rec r : records) {
                    sink += RawRecordCodec.decodeWithoutRequestHeaders(r.headers(), r.value())
                            .receivedAt()
                            .getNano();
                }
            }
            case "produce" -> sink += produce(envelopes, format, null);
            case "consume" ->
                sink += consume(batches, r -> r.value().length + r.headers().toArray().length);
            case "archive" ->
                sink += consume(
                        batches,
                        r -> RawRecordCodec.head(r.headers(), r.value()).line().length);
            default ->
                sink += consume(batches, r -> {
                    RawEnvelope e = RawRecordCodec.decodeWithoutRequestHeaders(r.headers(), r.value());
                    MappingResult m = mapping.apply(EventInput.of(e));
                    return m.ok() ? m.points().size() : -1;
                });
        }
        return sink;
    }

    /** Envelopes as the ingestor makes them: signed-webhook metadata (one kept request header), the payload's body. */
    static List<RawEnvelope> envelopes(String name, String json, int n) {
        return envelopes(name, json, n, false);
    }

    /**
     * Envelopes as the ingestor makes them: signed-webhook metadata, the payload's body; with {@code gitHub}, the four
     * request headers the GitHub preset keeps (the ingest benchmark's load), else one.
     */
    static List<RawEnvelope> envelopes(String name, String json, int n, boolean gitHub) {
        Random r = new Random(42);
        String[] sites = {"north", "south", "east", "west"};
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant t = Instant.parse("2026-11-21T10:00:00Z");
        List<RawEnvelope> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String body = json != null
                    ? json
                    : "{\"ts\":\"" + t.plusMillis(i) + "\",\"n\":" + i + ",\"device\":\"d-" + (i % 500)
                            + "\",\"site\":\"" + sites[i & 3] + "\",\"temp\":"
                            + Math.round((r.nextDouble() * 50 - 10) * 100) / 100.0
                            + ",\"hum\":" + Math.round(r.nextDouble() * 1000) / 10.0
                            + ",\"firmware\":\"4.2.1\",\"status\":\"OK\"}";
            String delivery = UUID.randomUUID().toString();
            out.add(new RawEnvelope(
                    UuidV7.next(),
                    pipeline,
                    team,
                    t.plusMillis(i),
                    Source.WEBHOOK,
                    delivery,
                    "application/json",
                    gitHub
                            ? Map.of(
                                    "x-github-event",
                                    "push",
                                    "x-github-delivery",
                                    delivery,
                                    "x-github-hook-id",
                                    Integer.toString(400_000_000 + (i % 7)),
                                    "x-hub-signature-256",
                                    "sha256=" + signature(r))
                            : Map.of("x-github-event", "push"),
                    body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    VerificationResult.verified(Preset.GITHUB, "s1", delivery)));
        }
        // The same bytes a format-1 record carries, so both formats start from identical envelopes.
        EnvelopeCodec.encode(out.get(0));
        return out;
    }

    private static String signature(Random r) {
        StringBuilder s = new StringBuilder(64);
        for (int i = 0; i < 64; i++) {
            s.append(Character.forDigit(r.nextInt(16), 16));
        }
        return s.toString();
    }
}
