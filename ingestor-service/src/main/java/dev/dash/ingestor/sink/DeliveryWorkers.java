package dev.dash.ingestor.sink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivers what is due in the outbox. A scheduler looks for sinks with due deliveries; each such sink gets a
 * lane on a bounded pool, one at a time per sink, which takes a few of its deliveries and sends them in
 * order. A slow or dead sink so holds at most one thread, and its breaker soon stops even that; other sinks
 * go on. Outcomes: delivered; failed and due again after the {@link RetrySchedule} (or the receiver's
 * {@code Retry-After}, which also pauses the sink); failed for good after the last retry; {@code 410 Gone},
 * which switches the sink off; and after a long failure streak the sink is switched off too, with the reason
 * and an e-mail to the team's owners and admins.
 */
@ApplicationScoped
public class DeliveryWorkers {
    private final SinksConfig config;
    private final SinkRepository repository;
    private final SinkDirectory directory;
    private final SinkTransport transport;
    private final RetrySchedule schedule;
    private final MeterRegistry registry;
    private final Set<UUID> busy = ConcurrentHashMap.newKeySet();
    private final Map<UUID, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final Map<UUID, Long> pausedUntil = new ConcurrentHashMap<>();
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong oldestDue = new AtomicLong();
    private final AtomicInteger openBreakers = new AtomicInteger();
    private final Timer deliveryLag;
    /** Released when the dispatcher stored new deliveries, so they go out without waiting for the next tick. */
    private final java.util.concurrent.Semaphore wakeup = new java.util.concurrent.Semaphore(0);
    /** Sinks whose stored failure streak may be above zero (so a success must reset it). */
    private final Set<UUID> streaking = ConcurrentHashMap.newKeySet();

    private final Set<UUID> seen = ConcurrentHashMap.newKeySet();
    private ThreadPoolExecutor pool;
    private Thread scheduler;
    private volatile boolean running = true;

    public DeliveryWorkers(
            SinksConfig config,
            SinkRepository repository,
            SinkDirectory directory,
            SinkTransport transport,
            MeterRegistry registry) {
        this.config = config;
        this.repository = repository;
        this.directory = directory;
        this.transport = transport;
        this.registry = registry;
        SecureRandom random = new SecureRandom();
        this.schedule = new RetrySchedule(
                config.retrySchedule(), config.retryJitter(), config.retryAfterMax(), random::nextDouble);
        Gauge.builder("dash.sinks.backlog", backlog, AtomicLong::get)
                .description("Deliveries due, waiting for a retry, or batches collecting")
                .register(registry);
        Gauge.builder("dash.sinks.oldest.due", oldestDue, AtomicLong::get)
                .description("Milliseconds the oldest due delivery has been waiting")
                .baseUnit("milliseconds")
                .register(registry);
        Gauge.builder("dash.sinks.breakers.open", openBreakers, AtomicInteger::get)
                .description("Sinks whose circuit breaker is open on this node")
                .register(registry);
        this.deliveryLag = Timer.builder("dash.sinks.delivery.lag")
                .description("From the Silver commit of the newest point in a delivery to its successful delivery")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        int n = Math.max(1, config.workers());
        pool = new ThreadPoolExecutor(n, n, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(n), r -> {
            Thread t = new Thread(r, "dash-sink-worker");
            t.setDaemon(true);
            return t;
        });
        scheduler = new Thread(this::schedule, "dash-sink-scheduler");
        scheduler.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        if (scheduler != null) {
            scheduler.interrupt();
            try {
                scheduler.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (pool != null) {
            pool.shutdown();
            try {
                pool.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Looks for due deliveries now (the dispatcher stored some). */
    public void wake() {
        wakeup.release();
    }

    /** This node's breaker state of a sink (tests, diagnostics). */
    public CircuitBreaker.State breaker(UUID sinkId) {
        CircuitBreaker b = breakers.get(sinkId);
        return b == null ? CircuitBreaker.State.CLOSED : b.state();
    }

    private void schedule() {
        long tick = Math.max(10, config.pollInterval().toMillis());
        long lastBacklog = 0;
        while (running) {
            try {
                repository.flushDueBatches();
                long now = System.currentTimeMillis();
                for (UUID sink : repository.dueSinks()) {
                    Long paused = pausedUntil.get(sink);
                    if (paused != null && paused > now) {
                        continue;
                    }
                    CircuitBreaker b = breakers.get(sink);
                    if (busy.contains(sink) || (b != null && !b.allows(now))) {
                        continue;
                    }
                    busy.add(sink);
                    try {
                        pool.execute(() -> lane(sink));
                    } catch (RejectedExecutionException full) {
                        busy.remove(sink);
                        break;
                    }
                }
                if (System.nanoTime() - lastBacklog > 5_000_000_000L) {
                    lastBacklog = System.nanoTime();
                    long[] b = repository.backlog();
                    backlog.set(b[0]);
                    oldestDue.set(b[1]);
                    int open = 0;
                    for (CircuitBreaker cb : breakers.values()) {
                        open += cb.state() == CircuitBreaker.State.OPEN ? 1 : 0;
                    }
                    openBreakers.set(open);
                }
            } catch (SQLException | RuntimeException e) {
                Log.warnf("Sink scheduler: %s", e.toString());
            }
            try {
                if (wakeup.tryAcquire(tick, TimeUnit.MILLISECONDS)) {
                    wakeup.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Sends a sink's due deliveries until none is left, its breaker opens or it is switched off. */
    private void lane(UUID sinkId) {
        try {
            boolean more = true;
            while (more && running) {
                more = laneOnce(sinkId);
            }
        } catch (SQLException | RuntimeException e) {
            Log.warnf("Delivery lane of sink %s: %s", sinkId, e.toString());
        } finally {
            busy.remove(sinkId);
        }
    }

    private boolean laneOnce(UUID sinkId) throws SQLException {
        SinkDefinition sink = directory.current().get(sinkId);
        if (sink == null || !sink.enabled()) {
            sink = directory.reload().get(sinkId);
            if (sink == null || !sink.enabled()) {
                return false;
            }
        }
        long lease = config.lease().toMillis();
        List<SinkRepository.Claimed> claimed = repository.claim(sinkId, config.claimSize(), lease);
        long started = System.nanoTime();
        CircuitBreaker breaker = breakers.computeIfAbsent(
                sinkId,
                k -> new CircuitBreaker(
                        config.breaker().failures(), config.breaker().openFor().toMillis()));
        String type = sink.type().name().toLowerCase(java.util.Locale.ROOT);
        for (int i = 0; i < claimed.size(); i++) {
            SinkRepository.Claimed d = claimed.get(i);
            long now = System.currentTimeMillis();
            // Stop well within the lease, so no other node takes these while this one still sends them.
            if (!running || !breaker.allows(now) || (System.nanoTime() - started) / 1_000_000 > lease / 2) {
                release(claimed.subList(i, claimed.size()));
                return false;
            }
            Instant at = Instant.now();
            AttemptResult r = transport.send(sink, d);
            int attempt = d.attempts() + 1;
            Counter.builder("dash.sinks.deliveries")
                    .description("Delivery attempts by sink type and outcome")
                    .tag("type", type)
                    .tag("outcome", r.outcome().db())
                    .register(registry)
                    .increment();
            Timer.builder("dash.sinks.attempt.latency")
                    .description("Time of one delivery attempt")
                    .tag("type", type)
                    .register(registry)
                    .record(Duration.ofMillis(r.latencyMillis()));
            switch (r.outcome()) {
                case DELIVERED -> {
                    breaker.success();
                    repository.recordAttempt(d.id(), attempt, at, r, null);
                    if (streaking.remove(sinkId) || !seen.contains(sinkId)) {
                        // Once per sink after a start (another node may have failed), then after failures.
                        repository.succeeded(sinkId);
                        seen.add(sinkId);
                    }
                    if (d.committedAt() != null) {
                        deliveryLag.record(Duration.between(d.committedAt(), Instant.now()));
                    }
                }
                case GONE -> {
                    // Kept due: if the sink is switched on again, it is sent then.
                    repository.recordAttempt(d.id(), attempt, at, r, Instant.now());
                    disable(sink, "the receiver answered 410 Gone at " + at + "; switched off");
                    release(claimed.subList(i + 1, claimed.size()));
                    return false;
                }
                default -> {
                    breaker.failure(System.currentTimeMillis());
                    OptionalLong delay = schedule.delayMillis(attempt, r.retryAfterMillis());
                    Instant next = delay.isPresent() ? Instant.now().plusMillis(delay.getAsLong()) : null;
                    repository.recordAttempt(d.id(), attempt, at, r, next);
                    streaking.add(sinkId);
                    SinkRepository.Streak streak = repository.failed(sinkId);
                    if (streak.failures() >= config.disable().failures()
                            && streak.since() != null
                            && !streak.since().plus(config.disable().after()).isAfter(Instant.now())) {
                        disable(
                                sink,
                                streak.failures() + " consecutive failed attempts since " + streak.since() + " (last: "
                                        + r.error() + "); switched off");
                        release(claimed.subList(i + 1, claimed.size()));
                        return false;
                    }
                    if (r.retryAfterMillis().isPresent()) {
                        pausedUntil.put(
                                sinkId,
                                System.currentTimeMillis()
                                        + Math.min(
                                                r.retryAfterMillis().getAsLong(),
                                                config.retryAfterMax().toMillis()));
                        release(claimed.subList(i + 1, claimed.size()));
                        return false;
                    }
                }
            }
        }
        return claimed.size() == config.claimSize();
    }

    private void release(List<SinkRepository.Claimed> rest) throws SQLException {
        List<UUID> ids = new ArrayList<>(rest.size());
        for (SinkRepository.Claimed c : rest) {
            ids.add(c.id());
        }
        repository.release(ids);
    }

    private void disable(SinkDefinition sink, String reason) throws SQLException {
        if (!repository.disable(sink.id(), reason)) {
            return;
        }
        directory.reload();
        Log.warnf("Sink %s of pipeline %s switched off: %s", sink.id(), sink.pipelineId(), reason);
        transport.notice(
                repository.admins(sink.teamId()),
                "[Dash] A " + sink.type().name().toLowerCase(java.util.Locale.ROOT) + " sink of pipeline "
                        + sink.pipelineId() + " was switched off",
                "Dash switched off sink " + sink.id() + " of pipeline " + sink.pipelineId() + ".\n\nReason: "
                        + reason + "\n\nIts undelivered messages are kept. Fix the receiver, then switch the sink on "
                        + "again (PATCH enabled=true) in Dash: "
                        + config.email().uiUrl() + "\n");
    }
}
