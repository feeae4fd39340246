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
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The ingest decision, in the order docs/ingest.md gives: pipeline, handshake, signature, quota, parse,
 * admission, dedupe, durable publish. {@link #ingest} is the one entry: it answers with one {@link IngestResult}
 * (a refusal is a {@link IngestResult.Refused} item, never a failure; a failure means a bug) once Kafka
 * acknowledged every event. Nothing reaches Kafka unless every check passed.
 *
 * <p>Threads: called on the event loop, the synchronous checks run there for a small plain body; a body above
 * {@code dash.ingest.worker-threshold}, every gzip body (its size as sent says nothing of its size decompressed)
 * and a request whose quota must be leased from the database are checked on a worker instead. Admission, dedupe
 * and the publish then run back on the event loop, and the answer comes on Kafka's callback thread. One async
 * style throughout: {@link CompletableFuture}, not Mutiny's {@code Uni}: with Quarkus's context propagation every
 * Mutiny operator captures the thread contexts (CDI, JTA) when it is built and installs and restores them around its
 * callback, and a request went through about ten such callbacks for nothing (docs/benchmarks.md, issue-singlepath).
 */
@ApplicationScoped
public class IngestService {
    private final PipelineCache cache;
    private final RawPublisher publisher;
    private final DedupeRepository dedupe;
    private final InFlight inFlight;
    private final QuotaLimiter quotas;
    private final IngestMetrics metrics;
    private final Vertx vertx;
    private final long maxBodySize;
    private final long workerThreshold;
    private final Duration lease;
    private final String retryAfter;

    public IngestService(
            PipelineCache cache,
            RawPublisher publisher,
            DedupeRepository dedupe,
            QuotaRepository quotaBuckets,
            IngestorConfig config,
            MeterRegistry registry,
            Vertx vertx) {
        this.cache = cache;
        this.quotas = new QuotaLimiter(System::nanoTime, quotaBuckets, quotaBuckets.prefetchExecutor());
        this.publisher = publisher;
        this.dedupe = dedupe;
        this.vertx = vertx;
        IngestorConfig.Ingest c = config.ingest();
        this.inFlight = new InFlight(c.maxInFlightEvents(), c.maxInFlightBytes().asLongValue());
        this.metrics = new IngestMetrics(registry, inFlight);
        this.maxBodySize = c.maxBodySize().asLongValue();
        this.workerThreshold = c.workerThreshold().asLongValue();
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

    /** A request that passed every synchronous check, ready for admission, dedupe and the publish. */
    private record Prepared(
            CachedPipeline pipeline,
            Request request,
            VerificationResult verification,
            List<byte[]> events,
            Map<String, String> keptHeaders,
            long bytes) {}

    /**
     * Decides a request: the checks, then admission, dedupe and the durable publish. The returned future
     * completes with the result once it is known (for an accepted request: once Kafka acknowledged every event); it
     * fails only on a bug. Call it on the event loop (or any thread where a short CPU step is fine): the heavy and the
     * blocking steps move to a worker by themselves.
     */
    public CompletableFuture<IngestResult> ingest(Request req) {
        if (req.body().length > workerThreshold || isGzip(req.contentEncoding())) {
            // Verifying and parsing a large batch takes milliseconds, and a gzip body of a few KiB can expand to
            // megabytes: neither on the event loop.
            return onWorker(req);
        }
        try {
            return decide(req, false).get();
        } catch (QuotaLimiter.NeedsLease e) {
            // The node's share of the quota ran out: the next share comes from the database, not on the event loop.
            return onWorker(req);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<IngestResult> onWorker(Request req) {
        // Unordered: requests of one connection need no order among themselves here. The result comes back on
        // the caller's context (the event loop), where admission and the publish then run.
        return vertx.getDelegate()
                .executeBlocking(() -> decide(req, true), false)
                .toCompletionStage()
                .toCompletableFuture()
                .thenCompose(Supplier::get);
    }

    /**
     * The synchronous checks; a refusal is the result. Returns the answer for a handshake, else the admission,
     * dedupe and publish, to be started where the caller wants them (the event loop). With {@code mayBlock} false
     * (the event loop) it throws {@link QuotaLimiter.NeedsLease} when the pipeline's quota must be leased from the
     * database.
     */
    private Supplier<CompletableFuture<IngestResult>> decide(Request req, boolean mayBlock) {
        Prepared prepared;
        try {
            CachedPipeline p = pipeline(req);
            byte[] body = decoded(req);
            var challenge = Handshake.respond(p.preset(), body);
            if (challenge.isPresent()) {
                IngestResult answer = new IngestResult.Challenge(challenge.get());
                return () -> CompletableFuture.completedFuture(answer);
            }
            prepared = check(req, p, body, mayBlock);
        } catch (IngestRejection r) {
            CompletableFuture<IngestResult> refusal = refusedNow(r);
            return () -> refusal;
        }
        return () -> publish(prepared);
    }

    /** Checks 1-3 of docs/ingest.md: the size as sent, the pipeline known, accepting pushes. */
    private CachedPipeline pipeline(Request req) {
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
        return p;
    }

    /** The body decompressed (gzip) or as sent (identity); refuses any other encoding. */
    private byte[] decoded(Request req) {
        String encoding = req.contentEncoding() == null
                ? ""
                : req.contentEncoding().trim().toLowerCase(Locale.ROOT);
        if (encoding.equals("gzip") || encoding.equals("x-gzip")) {
            return BodyParser.gunzip(req.body(), maxBodySize);
        } else if (!encoding.isEmpty() && !encoding.equals("identity")) {
            throw new IngestRejection(
                    415,
                    "unsupported_encoding",
                    "content-encoding",
                    "only gzip and identity are accepted, not " + encoding);
        }
        return req.body();
    }

    private static boolean isGzip(String contentEncoding) {
        if (contentEncoding == null) {
            return false;
        }
        String e = contentEncoding.trim();
        return e.equalsIgnoreCase("gzip") || e.equalsIgnoreCase("x-gzip");
    }

    /** Signature, quota and parse (checks 6-8), over the decoded body. */
    private Prepared check(Request req, CachedPipeline p, byte[] body, boolean mayBlock) {
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

    /** Admission, dedupe and the durable publish (checks 9-11). */
    private CompletableFuture<IngestResult> publish(Prepared prepared) {
        int n = prepared.events().size();
        long size = prepared.bytes();
        if (!publisher.available()) {
            return refusedNow(new IngestRejection(
                    503,
                    "kafka_unavailable",
                    null,
                    "the durable log is unavailable; retry later",
                    null,
                    Map.of("Retry-After", retryAfter)));
        }
        if (!inFlight.tryAcquire(n, size)) {
            return refusedNow(new IngestRejection(
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
        CompletableFuture<IngestResult> out;
        if (deliveryId == null || window.isZero()) {
            out = send(prepared, ids, prepared.request().receivedAt(), null);
        } else {
            out = dedupe.claimAsync(p.id(), deliveryId, ids, prepared.request().receivedAt(), lease, window)
                    .handle((claim, e) -> {
                        if (e != null) {
                            Log.warnf("Dedupe lookup failed for pipeline %s: %s", p.id(), cause(e).getMessage());
                            return refusedNow(new IngestRejection(
                                    503,
                                    "dedupe_unavailable",
                                    null,
                                    "the dedupe store is unavailable; retry later",
                                    null,
                                    Map.of("Retry-After", retryAfter)));
                        }
                        return answerClaim(prepared, deliveryId, claim);
                    })
                    .thenCompose(next -> next);
        }
        // Released before the result is passed on, whatever the outcome.
        return out.whenComplete((r, e) -> inFlight.release(n, size));
    }

    /** What the claim decided: publish (claimed), a duplicate, or in progress elsewhere. */
    private CompletableFuture<IngestResult> answerClaim(
            Prepared prepared, String deliveryId, DedupeRepository.Claim claim) {
        if (claim.claimed()) {
            return send(prepared, claim.eventIds(), claim.receivedAt(), deliveryId);
        }
        if (claim.committed()) {
            metrics.duplicate();
            return CompletableFuture.completedFuture(new IngestResult.Duplicate(claim.eventIds()));
        }
        long wait =
                Math.max(1, Duration.between(Instant.now(), claim.leaseUntil()).toSeconds());
        return refusedNow(new IngestRejection(
                503,
                "delivery_in_progress",
                "delivery_id",
                "a delivery with this id is being published; retry later",
                null,
                Map.of("Retry-After", Long.toString(wait))));
    }

    private CompletableFuture<IngestResult> send(Prepared prepared, UUID[] ids, Instant receivedAt, String deliveryId) {
        CachedPipeline p = prepared.pipeline();
        String ct = prepared.events().size() > 1 || isNdjson(prepared.request().contentType())
                ? "application/json"
                : prepared.request().contentType();
        // The request's events differ only in their ids and bodies: one envelope, its metadata written once.
        List<RawRecordCodec.Encoded> values = ids.length == 0
                ? List.of()
                : publisher.encodeEach(
                        new RawEnvelope(
                                ids[0],
                                p.id(),
                                p.teamId(),
                                receivedAt,
                                Source.WEBHOOK,
                                prepared.verification().deliveryId(),
                                ct,
                                prepared.keptHeaders(),
                                prepared.events().get(0),
                                prepared.verification()),
                        ids,
                        prepared.events());
        long start = System.nanoTime();
        IngestEvents.Publish event = IngestEvents.publish(ids.length, prepared.bytes());
        return publisher.send(p.id().toString(), values).handle((v, e) -> {
            if (event != null) {
                event.commit();
            }
            if (e != null) {
                if (deliveryId != null) {
                    dedupe.release(p.id(), deliveryId);
                }
                Log.debugf("Publish to dash.raw failed for pipeline %s: %s", p.id(), cause(e).toString());
                return refused(new IngestRejection(
                        503,
                        "kafka_unavailable",
                        null,
                        "the durable write failed; nothing was accepted, retry later",
                        null,
                        Map.of("Retry-After", retryAfter)));
            }
            metrics.published(System.nanoTime() - start);
            if (deliveryId != null) {
                dedupe.commit(p.id(), deliveryId, ids);
            }
            metrics.accepted(ids.length, prepared.bytes());
            return new IngestResult.Accepted(ids);
        });
    }

    private IngestResult refused(IngestRejection r) {
        metrics.rejected(r.error());
        return new IngestResult.Refused(r);
    }

    private CompletableFuture<IngestResult> refusedNow(IngestRejection r) {
        return CompletableFuture.completedFuture(refused(r));
    }

    /** A failure as thrown, not the {@link CompletionException} a dependent stage wraps it in. */
    static Throwable cause(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
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
