package dev.dash.ingestor.ingest;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.ingestor.pipeline.CachedPipeline;
import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.signature.Handshake;
import dev.dash.model.signature.Headers;
import dev.dash.model.signature.VerificationResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The ingest decision, in the order docs/ingest.md gives: pipeline, handshake, signature, quota, parse,
 * admission, dedupe, durable publish. {@link #prepare} is synchronous CPU work (run on the event loop, or on
 * a worker for large bodies); {@link #publish} is asynchronous and completes when Kafka acknowledged every
 * event. Nothing reaches Kafka unless every check passed.
 */
@ApplicationScoped
public class IngestService {
    private final PipelineCache cache;
    private final RawPublisher publisher;
    private final DedupeRepository dedupe;
    private final InFlight inFlight;
    private final QuotaLimiter quotas;
    private final IngestMetrics metrics;
    private final long maxBodySize;
    private final Duration lease;
    private final String retryAfter;

    public IngestService(
            PipelineCache cache,
            RawPublisher publisher,
            DedupeRepository dedupe,
            QuotaRepository quotaBuckets,
            IngestorConfig config,
            MeterRegistry registry) {
        this.cache = cache;
        this.quotas = new QuotaLimiter(System::nanoTime, quotaBuckets, quotaBuckets.prefetchExecutor());
        this.publisher = publisher;
        this.dedupe = dedupe;
        IngestorConfig.Ingest c = config.ingest();
        this.inFlight = new InFlight(c.maxInFlightEvents(), c.maxInFlightBytes().asLongValue());
        this.metrics = new IngestMetrics(registry, inFlight);
        this.maxBodySize = c.maxBodySize().asLongValue();
        this.lease = c.dedupeLease();
        this.retryAfter = Long.toString(Math.max(1, c.retryAfter().toSeconds()));
    }

    /** A request as received. */
    public record Request(
            String pipelineId,
            Headers headers,
            byte[] body,
            String contentType,
            String contentEncoding,
            Instant receivedAt) {}

    /** A request that passed every synchronous check. */
    public record Prepared(
            CachedPipeline pipeline,
            Request request,
            VerificationResult verification,
            List<byte[]> events,
            Map<String, String> keptHeaders,
            long bytes) {}

    /**
     * The answer.
     *
     * @param status 202 accepted, 200 duplicate or handshake
     * @param eventIds the events' ids (accepted or original)
     * @param challenge the handshake reply body, or null
     */
    public record Outcome(int status, UUID[] eventIds, Handshake.Response challenge) {}

    /**
     * Runs the synchronous checks; throws {@link IngestRejection}; returns an {@link Outcome} for a handshake,
     * else a {@link Prepared}. With {@code mayBlock} false (the event loop) it throws {@link
     * QuotaLimiter.NeedsLease} when the pipeline's quota must be leased from the database: the caller then runs
     * it again on a worker with {@code mayBlock} true.
     */
    public Object prepare(Request req, boolean mayBlock) {
        try {
            return prepareChecked(req, mayBlock);
        } catch (IngestRejection r) {
            metrics.rejected(r.error());
            throw r;
        }
    }

    private Object prepareChecked(Request req, boolean mayBlock) {
        if (req.body().length > maxBodySize) {
            throw new IngestRejection(413, "body_too_large", "body", "the body exceeds " + maxBodySize + " bytes");
        }
        UUID id;
        try {
            id = UUID.fromString(req.pipelineId());
        } catch (RuntimeException e) {
            throw new IngestRejection(404, "pipeline_not_found", "pipelineId", "no pipeline " + req.pipelineId());
        }
        CachedPipeline p = cache.get(id);
        if (p == null && !cache.loaded()) {
            // Starting: the pipelines are not loaded yet, so "no such pipeline" would be a guess, and a
            // producer told 404 drops the delivery for good (seen by the fault suite after a restart).
            throw new IngestRejection(
                    503,
                    "not_ready",
                    null,
                    "this node is starting and does not know its pipelines yet; retry later",
                    null,
                    Map.of("Retry-After", retryAfter));
        }
        if (p == null) {
            throw new IngestRejection(404, "pipeline_not_found", "pipelineId", "no pipeline " + id);
        }
        if (!p.accepting()) {
            throw new IngestRejection(
                    409,
                    "pipeline_" + p.config().status(),
                    "status",
                    "the pipeline is " + p.config().status() + " and accepts no events");
        }
        if (!p.config().pushFed()) {
            // Its id is visible to anyone given a public dashboard: an ingest URL must not open a polled or
            // p2p pipeline (unsigned by nature) to pushes.
            throw new IngestRejection(
                    409,
                    "pipeline_not_push_fed",
                    "type",
                    "the pipeline is fed by "
                            + ("polling".equals(p.config().type()) ? "polling its source" : "another pipeline")
                            + " and accepts no pushes");
        }
        byte[] body = req.body();
        String encoding = req.contentEncoding() == null
                ? ""
                : req.contentEncoding().trim().toLowerCase(Locale.ROOT);
        if (encoding.equals("gzip") || encoding.equals("x-gzip")) {
            body = BodyParser.gunzip(body, maxBodySize);
        } else if (!encoding.isEmpty() && !encoding.equals("identity")) {
            throw new IngestRejection(
                    415,
                    "unsupported_encoding",
                    "content-encoding",
                    "only gzip and identity are accepted, not " + encoding);
        }
        var challenge = Handshake.respond(p.preset(), body);
        if (challenge.isPresent()) {
            return new Outcome(200, new UUID[0], challenge.get());
        }
        VerificationResult verification;
        if (p.signatureProblem() != null) {
            throw new IngestRejection(409, "pipeline_misconfigured", "signature_config", p.signatureProblem());
        }
        if (p.verifier() == null) {
            verification = VerificationResult.notRequired();
        } else {
            verification = p.verifier().verify(req.headers(), body, p.secrets(), req.receivedAt());
            if (verification.isFailed()) {
                String reason = verification.reason().jsonName();
                throw new IngestRejection(
                        401,
                        reason,
                        "signature",
                        reason.replace('_', ' ') + (verification.detail() == null ? "" : ": " + verification.detail()));
            }
        }
        quotas.check(p.config(), body.length, mayBlock);
        List<byte[]> events = isNdjson(req.contentType()) ? BodyParser.ndjson(body) : BodyParser.single(body);
        return new Prepared(p, req, verification, events, req.headers().select(p.keptHeaders()), body.length);
    }

    private static boolean isNdjson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String ct = contentType.toLowerCase(Locale.ROOT);
        return ct.startsWith("application/x-ndjson")
                || ct.startsWith("application/ndjson")
                || ct.startsWith("application/jsonl")
                || ct.startsWith("application/x-jsonlines");
    }

    /** Admission, dedupe and the durable publish; completes with the outcome or a rejection. */
    public CompletionStage<Outcome> publish(Prepared prepared) {
        int n = prepared.events().size();
        long size = prepared.bytes();
        if (!publisher.available()) {
            return rejected(new IngestRejection(
                    503,
                    "kafka_unavailable",
                    null,
                    "the durable log is unavailable; retry later",
                    null,
                    Map.of("Retry-After", retryAfter)));
        }
        if (!inFlight.tryAcquire(n, size)) {
            return rejected(new IngestRejection(
                    503,
                    "overloaded",
                    null,
                    "too many events waiting for the durable write; retry later",
                    null,
                    Map.of("Retry-After", retryAfter)));
        }
        UUID[] ids = new UUID[n];
        for (int i = 0; i < n; i++) {
            ids[i] = UuidV7.next();
        }
        CachedPipeline p = prepared.pipeline();
        String deliveryId = prepared.verification().deliveryId();
        Duration window = p.dedupeWindow();
        if (deliveryId == null || window.isZero()) {
            return send(prepared, ids, prepared.request().receivedAt(), null)
                    .whenComplete((o, e) -> inFlight.release(n, size));
        }
        CompletableFuture<Outcome> out = new CompletableFuture<>();
        dedupe.claim(p.id(), deliveryId, ids, prepared.request().receivedAt(), lease, window)
                .subscribe()
                .with(
                        claim -> {
                            if (claim.claimed()) {
                                send(prepared, claim.eventIds(), claim.receivedAt(), deliveryId)
                                        .whenComplete((o, e) -> {
                                            if (e != null) {
                                                out.completeExceptionally(e);
                                            } else {
                                                out.complete(o);
                                            }
                                        });
                            } else if (claim.committed()) {
                                metrics.duplicate();
                                out.complete(new Outcome(200, claim.eventIds(), null));
                            } else {
                                long wait = Math.max(
                                        1,
                                        Duration.between(Instant.now(), claim.leaseUntil())
                                                .toSeconds());
                                out.completeExceptionally(reject(new IngestRejection(
                                        503,
                                        "delivery_in_progress",
                                        "delivery_id",
                                        "a delivery with this id is being published; retry later",
                                        null,
                                        Map.of("Retry-After", Long.toString(wait)))));
                            }
                        },
                        e -> {
                            Log.warnf("Dedupe lookup failed for pipeline %s: %s", p.id(), e.getMessage());
                            out.completeExceptionally(reject(new IngestRejection(
                                    503,
                                    "dedupe_unavailable",
                                    null,
                                    "the dedupe store is unavailable; retry later",
                                    null,
                                    Map.of("Retry-After", retryAfter))));
                        });
        return out.whenComplete((o, e) -> inFlight.release(n, size));
    }

    private CompletableFuture<Outcome> send(Prepared prepared, UUID[] ids, Instant receivedAt, String deliveryId) {
        CachedPipeline p = prepared.pipeline();
        List<RawRecordCodec.Encoded> values = new ArrayList<>(ids.length);
        String ct = prepared.events().size() > 1 || isNdjson(prepared.request().contentType())
                ? "application/json"
                : prepared.request().contentType();
        for (int i = 0; i < ids.length; i++) {
            values.add(publisher.encode(new RawEnvelope(
                    ids[i],
                    p.id(),
                    p.teamId(),
                    receivedAt,
                    Source.WEBHOOK,
                    prepared.verification().deliveryId(),
                    ct,
                    prepared.keptHeaders(),
                    prepared.events().get(i),
                    prepared.verification())));
        }
        long start = System.nanoTime();
        CompletableFuture<Outcome> out = new CompletableFuture<>();
        publisher.publish(p.id().toString(), values).whenComplete((v, e) -> {
            if (e != null) {
                if (deliveryId != null) {
                    dedupe.release(p.id(), deliveryId);
                }
                Log.debugf("Publish to dash.raw failed for pipeline %s: %s", p.id(), e.toString());
                out.completeExceptionally(reject(new IngestRejection(
                        503,
                        "kafka_unavailable",
                        null,
                        "the durable write failed; nothing was accepted, retry later",
                        null,
                        Map.of("Retry-After", retryAfter))));
                return;
            }
            metrics.published(System.nanoTime() - start);
            if (deliveryId != null) {
                dedupe.commit(p.id(), deliveryId);
            }
            metrics.accepted(ids.length, prepared.bytes());
            out.complete(new Outcome(202, ids, null));
        });
        return out;
    }

    private IngestRejection reject(IngestRejection r) {
        metrics.rejected(r.error());
        return r;
    }

    private CompletionStage<Outcome> rejected(IngestRejection r) {
        return CompletableFuture.failedFuture(reject(r));
    }

    /** Events in flight on this node (for tests and readiness). */
    public long inFlightEvents() {
        return inFlight.events();
    }

    @Scheduled(
            every = "${dash.ingest.dedupe-cleanup-interval:5m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void cleanupDedupe() {
        try {
            long n = dedupe.deleteExpired();
            if (n > 0) {
                Log.infof("Deleted %d expired dedupe records", n);
            }
        } catch (Exception e) {
            Log.warnf("Dedupe cleanup failed: %s", e.getMessage());
        }
    }
}
