package dev.dash.ingestor.poll;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.crypto.KeyRing;
import dev.dash.model.envelope.Source;
import dev.dash.model.json.Json;
import dev.dash.model.poll.JsonPaths;
import dev.dash.model.poll.Pager;
import dev.dash.model.poll.PollRunStatus;
import dev.dash.model.poll.PollState;
import dev.dash.model.poll.PollState.Position;
import dev.dash.model.poll.SourceClient;
import dev.dash.model.poll.SourceConfigException;
import dev.dash.model.poll.SourceException;
import dev.dash.model.poll.SourceSpec;
import dev.dash.model.poll.UrlGuard;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

/**
 * One poll run of one pipeline: fetch a page, put its records on {@code dash.raw}, save the position of the
 * next page, and so on until the last page (or the run's page limit). The state is saved only after Kafka
 * acknowledged the page, so a node that dies mid-run is replaced by one that starts with the page after the
 * last one published, or re-polls that page, whose records then dedupe by delivery id.
 */
@ApplicationScoped
public class Poller {
    private final PollConfig config;
    private final PollRepository repository;
    private final RecordPublisher records;
    private final KeyRing keys;
    private final UrlGuard guard;
    private final SourceClient client;
    private final SourceGuards guards;
    private final Duration publishTimeout;
    private final Counter late;
    private final Counter polls;
    private final Counter pulled;
    private final Timer runs;
    private final Timer lateness;

    public Poller(
            PollConfig config,
            PollRepository repository,
            RecordPublisher records,
            IngestorConfig ingestor,
            Vertx vertx,
            MeterRegistry registry) {
        this.config = config;
        this.repository = repository;
        this.records = records;
        this.keys = KeyRing.parse(
                ingestor.crypto().keys(), ingestor.crypto().activeKey().orElse(null));
        this.guard = new UrlGuard(config.allowedDestinations().orElse(List.of()));
        this.client = new SourceClient(
                vertx,
                guard,
                config.connectTimeout(),
                config.requestTimeout(),
                config.maxResponseSize().asLongValue());
        this.guards = new SourceGuards(config);
        // Claims, the publish and the acknowledgement of one page: a few times the producer's own timeout.
        this.publishTimeout = ingestor.ingest().publishTimeout().multipliedBy(3);
        this.late = registry.counter("dash_poll_late_total");
        this.polls = registry.counter("dash_poll_runs_total");
        this.pulled = registry.counter("dash_poll_records_total");
        this.runs = Timer.builder("dash_poll_run_seconds")
                .description("Duration of a poll run, from its claim to its outcome saved")
                .register(registry);
        this.lateness = Timer.builder("dash_poll_lateness_seconds")
                .description("How long after its slot a poll started")
                .register(registry);
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /** Thrown when the lease was lost during a run: another node owns the poll now. */
    static final class LeaseLost extends RuntimeException {
        LeaseLost() {
            super("the poll lease was lost", null, false, false);
        }
    }

    /**
     * Runs one claimed poll to its end and records the outcome.
     *
     * @param node this node
     * @param job the claimed poll
     * @param owned tells whether this node still holds the lease
     * @param stopping tells whether this node is shutting down: the page in flight is finished and saved, no
     *     further page is fetched, and the next owner continues from the saved position
     */
    public void run(String node, PollRepository.Job job, BooleanSupplier owned, BooleanSupplier stopping) {
        polls.increment();
        Instant started = job.startedAt();
        long latenessMs = Math.max(0, Duration.between(job.dueAt(), started).toMillis());
        boolean isLate = latenessMs > config.lateThreshold().toMillis();
        if (isLate) {
            late.increment();
        }
        lateness.record(latenessMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        long runStart = System.nanoTime();
        try {
            runClaimed(node, job, owned, stopping, latenessMs, isLate);
        } finally {
            runs.record(System.nanoTime() - runStart, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private void runClaimed(
            String node,
            PollRepository.Job job,
            BooleanSupplier owned,
            BooleanSupplier stopping,
            long latenessMs,
            boolean isLate) {
        PollState state = PollState.fromJson(job.cursor());
        long count = 0;
        int pages = 0;
        PollRunStatus status = PollRunStatus.OK;
        String error = null;
        Instant notBefore = null;
        PollState saved = state;
        try {
            SourceSpec spec = spec(job);
            PollState.Run run = state.run();
            JsonNode since = run != null
                    ? run.since()
                    : state.watermark() != null
                            ? state.watermark()
                            : (spec.incremental() == null
                                    ? null
                                    : spec.incremental().initial());
            Position pos = run != null ? run.next() : Position.FIRST;
            JsonNode max = run != null ? run.max() : state.watermark();
            int rateLimited = 0;
            while (pos != null) {
                if (stopping.getAsBoolean()) {
                    Log.infof(
                            "Pipeline %s: node stopping after %d pages of this poll; the next owner continues",
                            job.pipelineId(), pages);
                    return;
                }
                if (!owned.getAsBoolean()) {
                    throw new LeaseLost();
                }
                if (pages >= spec.maxPages()) {
                    status = PollRunStatus.PARTIAL;
                    break;
                }
                Pager.Call call = Pager.request(spec, pos, since);
                SourceClient.Response r;
                try {
                    r = guards.forPipeline(job.pipelineId())
                            .call(() -> client.fetch(spec, call), SourceClient.Response.class);
                } catch (SourceException e) {
                    if (e.kind() == SourceException.Kind.RATE_LIMITED) {
                        Duration wait = e.retryAfter() == null ? Duration.ofSeconds(1) : e.retryAfter();
                        if (wait.compareTo(config.maxRetryAfter()) <= 0 && ++rateLimited <= 5) {
                            Log.debugf(
                                    "Pipeline %s: 429, waiting %d ms as Retry-After asks",
                                    job.pipelineId(), wait.toMillis());
                            Thread.sleep(wait.toMillis());
                            continue;
                        }
                        status = PollRunStatus.RATE_LIMITED;
                        error = e.getMessage();
                        notBefore = Instant.now().plus(wait);
                        break;
                    }
                    throw e;
                }
                Pager.Page page = Pager.parse(spec, pos, r.url(), r.headers().get("link"), r.body());
                List<RecordPublisher.Item> items =
                        new ArrayList<>(page.records().size());
                for (JsonNode rec : page.records()) {
                    byte[] body = Json.writer().writeValueAsBytes(rec);
                    items.add(new RecordPublisher.Item(deliveryId(spec, rec, body), body));
                }
                if (!owned.getAsBoolean()) {
                    throw new LeaseLost();
                }
                records.publish(
                        job.pipelineId(),
                        job.teamId(),
                        Source.POLL,
                        items,
                        Duration.ofSeconds(Math.max(0, job.dedupeWindowSeconds())),
                        config.dedupeLease(),
                        publishTimeout);
                pulled.increment(items.size());
                pages++;
                count += items.size();
                max = PollState.max(max, page.max());
                pos = page.next();
                saved = pos == null
                        ? new PollState(max, null)
                        : new PollState(
                                state.watermark(),
                                new PollState.Run(
                                        since,
                                        pos,
                                        max,
                                        (run == null ? 0 : run.pages()) + pages,
                                        (run == null ? 0 : run.records()) + count));
                // After the last page, finish() below saves the state with the outcome in one write; a node
                // that dies before it re-polls that page, whose records dedupe by delivery id.
                if (pos != null && !repository.saveProgress(node, job.pipelineId(), saved.toJson())) {
                    throw new LeaseLost();
                }
            }
        } catch (LeaseLost e) {
            Log.infof("Pipeline %s: poll lease lost after %d pages; the new owner continues", job.pipelineId(), pages);
            return;
        } catch (SourceConfigException e) {
            status = PollRunStatus.ERROR;
            error = "source configuration: " + e.getMessage();
        } catch (SourceException e) {
            status = PollRunStatus.ERROR;
            error = e.getMessage();
        } catch (CircuitBreakerOpenException e) {
            status = PollRunStatus.ERROR;
            error = "circuit breaker open: the source failed repeatedly; calls resume after "
                    + config.breakerDelay().toSeconds() + " s";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            status = PollRunStatus.ERROR;
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        if (error != null) {
            Log.warnf("Pipeline %s: poll %s after %d pages: %s", job.pipelineId(), status.dbName(), pages, error);
        } else {
            Log.debugf("Pipeline %s: poll done, %d records in %d pages", job.pipelineId(), count, pages);
        }
        Instant next = nextSlot(job.pipelineId(), job.intervalSeconds(), Instant.now());
        if (notBefore != null && notBefore.isAfter(next)) {
            next = notBefore;
        }
        try {
            repository.finish(
                    node,
                    job.pipelineId(),
                    saved.toJson(),
                    new PollRepository.Outcome(status, error, count, pages, next, latenessMs, isLate));
        } catch (Exception e) {
            Log.warnf(
                    "Pipeline %s: poll outcome not saved (its lease runs out and the poll is retried): %s",
                    job.pipelineId(), e.getMessage());
        }
    }

    private SourceSpec spec(PollRepository.Job job) throws java.io.IOException {
        String json = keys.decryptString(job.sourceConfig(), "pipeline_source:" + job.pipelineId());
        return SourceSpec.parse(job.sourceType(), Json.parse(json), guard);
    }

    /**
     * A record's delivery id: its own id when {@code dedupe_key} names one, else the SHA-256 of its JSON.
     */
    static String deliveryId(SourceSpec spec, JsonNode record, byte[] body) throws NoSuchAlgorithmException {
        if (spec.dedupeKey() != null) {
            JsonNode id = JsonPaths.value(spec.dedupeKey(), record);
            if (id != null) {
                return "poll:id:" + (id.isValueNode() ? id.asText() : id.toString());
            }
        }
        byte[] d = MessageDigest.getInstance("SHA-256").digest(body);
        return "poll:sha256:" + HexFormat.of().formatHex(d);
    }

    /**
     * The first slot after {@code now}: every pipeline has a fixed phase within its interval (from its id), so
     * pipelines spread evenly over the interval and a pipeline's polls do not drift.
     */
    static Instant nextSlot(UUID pipelineId, int intervalSeconds, Instant now) {
        long interval = Math.max(1, intervalSeconds) * 1000L;
        long phase =
                Math.floorMod(pipelineId.getMostSignificantBits() ^ pipelineId.getLeastSignificantBits(), interval);
        long t = now.toEpochMilli();
        long k = Math.floorDiv(t - phase, interval) + 1;
        return Instant.ofEpochMilli(k * interval + phase);
    }
}
