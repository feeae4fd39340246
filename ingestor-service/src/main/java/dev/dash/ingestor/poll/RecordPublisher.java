package dev.dash.ingestor.poll;

import dev.dash.ingestor.ingest.DedupeRepository;
import dev.dash.ingestor.ingest.RawPublisher;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.signature.VerificationResult;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Puts records that Dash fetched itself (polled pages, another pipeline's points) on {@code dash.raw} the way
 * the ingest API puts webhooks there: one raw envelope per record, each with a delivery id claimed in
 * {@code ingest_dedupe} before the publish and committed after Kafka's acknowledgement. A record fetched
 * again (a page re-polled after a crash, a points batch redelivered) keeps its first event id and received
 * time, so Silver, which is idempotent by event id, holds it once. Blocking: for worker threads.
 */
@ApplicationScoped
public class RecordPublisher {
    private static final int ROUNDS = 4;

    private final RawPublisher publisher;
    private final DedupeRepository dedupe;

    public RecordPublisher(RawPublisher publisher, DedupeRepository dedupe) {
        this.publisher = publisher;
        this.dedupe = dedupe;
    }

    /**
     * One record to publish.
     *
     * @param deliveryId its delivery id (unique within the pipeline for the dedupe window)
     * @param body its JSON bytes
     */
    public record Item(String deliveryId, byte[] body) {}

    /**
     * The result of a publish.
     *
     * @param published records put on {@code dash.raw} now
     * @param duplicates records that had been published before
     */
    public record Result(int published, int duplicates) {}

    /** Whether Kafka can take records now. */
    public boolean available() {
        return publisher.available();
    }

    /**
     * Publishes the records and returns once Kafka acknowledged every one that was not a duplicate.
     *
     * @param pipelineId the pipeline
     * @param teamId its team
     * @param source how the records came
     * @param items the records (delivery ids repeated within the list are published once)
     * @param window the pipeline's dedupe window; zero publishes without dedupe
     * @param lease how long a claim stays pending
     * @param timeout longest wait for Kafka
     * @return counts
     * @throws Exception when the publish failed (nothing is marked committed, so a retry republishes)
     */
    public Result publish(
            UUID pipelineId,
            UUID teamId,
            Source source,
            List<Item> items,
            Duration window,
            Duration lease,
            Duration timeout)
            throws Exception {
        Map<String, Item> unique = new LinkedHashMap<>();
        for (Item i : items) {
            unique.putIfAbsent(i.deliveryId(), i);
        }
        int duplicates = items.size() - unique.size();
        if (unique.isEmpty()) {
            return new Result(0, duplicates);
        }
        if (!publisher.available()) {
            throw new IllegalStateException("Kafka (dash.raw) is unavailable");
        }
        if (window.isZero()) {
            Instant now = Instant.now();
            List<RawRecordCodec.Encoded> values = new ArrayList<>();
            for (Item i : unique.values()) {
                values.add(encode(UuidV7.next(), pipelineId, teamId, now, source, i));
            }
            publisher
                    .publish(pipelineId.toString(), values)
                    .subscribeAsCompletionStage()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Result(values.size(), duplicates);
        }
        List<Item> todo = new ArrayList<>(unique.values());
        int published = 0;
        for (int round = 0; round < ROUNDS && !todo.isEmpty(); round++) {
            Instant now = Instant.now();
            List<CompletableFuture<DedupeRepository.Claim>> claims = new ArrayList<>();
            for (Item i : todo) {
                claims.add(dedupe.claim(pipelineId, i.deliveryId(), new UUID[] {UuidV7.next()}, now, lease, window)
                        .subscribeAsCompletionStage());
            }
            CompletableFuture.allOf(claims.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<RawRecordCodec.Encoded> values = new ArrayList<>();
            Map<String, UUID[]> claimed = new LinkedHashMap<>();
            List<Item> waiting = new ArrayList<>();
            Instant waitUntil = now;
            for (int k = 0; k < todo.size(); k++) {
                DedupeRepository.Claim c = claims.get(k).join();
                Item i = todo.get(k);
                if (c.claimed()) {
                    values.add(encode(c.eventIds()[0], pipelineId, teamId, c.receivedAt(), source, i));
                    claimed.put(i.deliveryId(), c.eventIds());
                } else if (c.committed()) {
                    duplicates++;
                } else {
                    // Pending elsewhere (or by a node that died during its publish): wait for its lease.
                    waiting.add(i);
                    if (c.leaseUntil() != null && c.leaseUntil().isAfter(waitUntil)) {
                        waitUntil = c.leaseUntil();
                    }
                }
            }
            if (!values.isEmpty()) {
                try {
                    publisher
                            .publish(pipelineId.toString(), values)
                            .subscribeAsCompletionStage()
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    claimed.keySet().forEach(d -> dedupe.release(pipelineId, d));
                    throw e;
                }
                claimed.forEach((d, ids) -> dedupe.commit(pipelineId, d, ids));
                published += values.size();
            }
            todo = waiting;
            if (!todo.isEmpty() && round + 1 < ROUNDS) {
                long ms = Math.min(
                        lease.toMillis() + 100,
                        Math.max(50, Duration.between(Instant.now(), waitUntil).toMillis() + 50));
                Thread.sleep(ms);
            }
        }
        if (!todo.isEmpty()) {
            throw new IllegalStateException(todo.size() + " records are being published by another node; retry later");
        }
        return new Result(published, duplicates);
    }

    private RawRecordCodec.Encoded encode(
            UUID id, UUID pipelineId, UUID teamId, Instant receivedAt, Source source, Item i) {
        return publisher.encode(new RawEnvelope(
                id,
                pipelineId,
                teamId,
                receivedAt,
                source,
                i.deliveryId(),
                "application/json",
                Map.of(),
                i.body(),
                VerificationResult.notRequired()));
    }
}
