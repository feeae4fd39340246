package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.ingestor.pipeline.CachedPipeline;
import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.signature.Headers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where {@link IngestService#ingest}'s synchronous checks run when it is called on a Vert.x event loop, as {@link
 * IngestResource} calls it: a small plain body on the event loop, and every gzip body (a few KiB sent can be
 * megabytes decompressed) and every large body on a worker. The pipeline is one that refuses after its body was
 * decoded (unsigned without {@code allow_unsigned}: 409), so no Kafka is needed; the cache tells on which thread
 * the checks ran.
 */
class IngestThreadsTest {
    final Vertx vertx = Vertx.vertx();

    /** A cache that remembers the thread of the last look-up (the first of the synchronous checks). */
    static final class WatchedCache extends PipelineCache {
        volatile String thread;

        WatchedCache(IngestorConfig config) {
            super(new PipelineRepository(null), config);
        }

        @Override
        public CachedPipeline get(UUID id) {
            thread = Thread.currentThread().getName();
            return super.get(id);
        }
    }

    final IngestorConfig config = IngestNotReadyTest.config();
    final WatchedCache cache = new WatchedCache(config);
    final IngestService service =
            new IngestService(cache, null, null, new QuotaRepository(null), config, new SimpleMeterRegistry(), vertx);
    final UUID pipeline = UUID.randomUUID();

    {
        cache.apply(new PipelineConfig(
                pipeline,
                UUID.randomUUID(),
                "unsigned",
                "realtime",
                "active",
                "none",
                null,
                300,
                0,
                null,
                null,
                false,
                null,
                List.of(),
                List.of(),
                1,
                false));
    }

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    /** Calls ingest on an event loop, as the route does; returns the refusal. */
    IngestRejection ingestOnEventLoop(byte[] body, String encoding) throws Exception {
        CompletableFuture<IngestResult> result = new CompletableFuture<>();
        IngestService.Request req = new IngestService.Request(
                pipeline.toString(), Headers.empty(), body, "application/json", encoding, Instant.now());
        vertx.runOnContext(() -> service.ingest(req).whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(r);
            }
        }));
        IngestResult r = result.get(30, TimeUnit.SECONDS);
        assertThat(r).isInstanceOf(IngestResult.Refused.class);
        return ((IngestResult.Refused) r).rejection();
    }

    static byte[] gzip(byte[] plain) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(plain);
        }
        return out.toByteArray();
    }

    @Test
    void aSmallPlainBodyIsCheckedOnTheEventLoop() throws Exception {
        IngestRejection r = ingestOnEventLoop("{}".getBytes(StandardCharsets.UTF_8), null);
        assertThat(r.error()).isEqualTo("pipeline_misconfigured");
        assertThat(cache.thread).startsWith("vert.x-eventloop-thread");
    }

    @Test
    void aSmallGzipBodyThatExpandsToMegabytesIsDecompressedOnAWorker() throws Exception {
        byte[] plain = new byte[4 << 20];
        Arrays.fill(plain, (byte) ' ');
        plain[0] = '{';
        plain[plain.length - 1] = '}';
        byte[] sent = gzip(plain);
        assertThat(sent.length).isLessThan(64 * 1024);
        IngestRejection r = ingestOnEventLoop(sent, "gzip");
        assertThat(r.error()).isEqualTo("pipeline_misconfigured");
        assertThat(cache.thread).startsWith("vert.x-worker-thread");
    }

    @Test
    void aBrokenGzipBodyIsRefusedFromAWorker() throws Exception {
        IngestRejection r = ingestOnEventLoop(new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3}, "GZIP");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_encoding");
        assertThat(cache.thread).startsWith("vert.x-worker-thread");
    }

    @Test
    void aPlainBodyAboveTheWorkerThresholdIsCheckedOnAWorker() throws Exception {
        byte[] body = new byte[(int) config.ingest().workerThreshold().asLongValue() + 1];
        Arrays.fill(body, (byte) ' ');
        body[0] = '{';
        body[body.length - 1] = '}';
        IngestRejection r = ingestOnEventLoop(body, null);
        assertThat(r.error()).isEqualTo("pipeline_misconfigured");
        assertThat(cache.thread).startsWith("vert.x-worker-thread");
    }
}
