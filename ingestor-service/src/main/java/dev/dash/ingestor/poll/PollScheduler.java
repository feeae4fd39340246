package dev.dash.ingestor.poll;

import dev.dash.ingestor.ingest.RawPublisher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes due polls from the shared schedule every tick, as many as this node has free slots for, and runs
 * them on its own pool; renews the leases of the polls it runs on the same tick. A pipeline's next poll is
 * scheduled only when its run ends, and it cannot be claimed while its lease holds, so a slow poll is never
 * run twice at once; late polls are counted instead.
 *
 * <p>The tick runs on a thread of its own, not as a Quarkus {@code @Scheduled} method: Quarkus' scheduler
 * checks its triggers once a second whatever {@code every} says, which made the 250 ms tick a 1 s tick and
 * held one node to {@code max-concurrent} claims a second (bench/poll: 31 polls/s where 1,000 pipelines at a
 * 10 s interval need 100).
 */
@ApplicationScoped
public class PollScheduler {
    private final PollConfig config;
    private final PollRepository repository;
    private final Poller poller;
    private final RawPublisher publisher;
    private final String node;
    private final ExecutorService pool;
    private final ScheduledExecutorService ticker;
    private final AtomicLong ticks = new AtomicLong();
    private final long renewEvery;
    /** nanoTime of the last lease renewal (only the tick thread reads and writes it). */
    private long lastRenewal = System.nanoTime();

    private static final long ADOPT_EVERY = TimeUnit.SECONDS.toNanos(1);
    /** nanoTime of the last adoption of new pipelines (tick thread only); the first tick adopts. */
    private long lastAdoption = System.nanoTime() - ADOPT_EVERY;
    /** Runs in progress on this node, and whether each still holds its lease. */
    /**
     * The polls running on this node, one {@link Run} per claim. A run is only ever told about its own claim: a
     * claim of the same pipeline while an earlier run of it is still here (finishing after it released it, or
     * after its lease ran out) replaces the entry and marks the earlier run lost, and a run removes the entry only
     * while it is still its own. With one flag per pipeline, the earlier run's end removed the new run's entry
     * (the new run then stopped as if it had lost its lease), or both ran as owners.
     */
    private final ConcurrentHashMap<UUID, Run> running = new ConcurrentHashMap<>();

    /** One claimed poll on this node: whether its lease is still held. */
    private static final class Run {
        volatile boolean held = true;
    }

    private final AtomicInteger busy = new AtomicInteger();
    private final Timer claims;
    private volatile boolean stopping;

    public PollScheduler(
            PollConfig config,
            PollRepository repository,
            Poller poller,
            RawPublisher publisher,
            MeterRegistry registry) {
        this.config = config;
        this.repository = repository;
        this.poller = poller;
        this.publisher = publisher;
        this.node = config.nodeId().orElseGet(PollScheduler::defaultNode);
        this.claims = Timer.builder("dash_poll_claim_seconds")
                .description("Duration of one claim of due polls from the shared schedule")
                .register(registry);
        Gauge.builder("dash_poll_running", busy, AtomicInteger::get)
                .description("Polls running on this node")
                .register(registry);
        this.renewEvery =
                TimeUnit.MILLISECONDS.toNanos(Math.max(500, config.tick().toMillis()));
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(Math.max(1, config.maxConcurrent()), r -> {
            Thread t = new Thread(r, "dash-poll-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dash-poll-tick");
            t.setDaemon(true);
            return t;
        });
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        // Each tick starts a tick after the previous one ended, so ticks never overlap.
        ticker.scheduleWithFixedDelay(
                this::tick, 2000, Math.max(1, config.tick().toMillis()), TimeUnit.MILLISECONDS);
    }

    private static String defaultNode() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "ingestor";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** This node's name in {@code poll_state.owner_node}. */
    public String node() {
        return node;
    }

    /** Ticks run so far. */
    public long ticks() {
        return ticks.get();
    }

    /** Polls running on this node now. */
    public int running() {
        return busy.get();
    }

    void onStop(@Observes ShutdownEvent event) {
        // A request in flight is answered, published and recorded (a source that was asked is counted as
        // polled); no further page or poll is started. What does not end in time is interrupted.
        stopping = true;
        ticker.shutdown();
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                pool.shutdownNow();
                pool.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    void tick() {
        if (stopping) {
            return;
        }
        ticks.incrementAndGet();
        long lease = Math.max(2, config.lease().toSeconds());
        try {
            // Leases last at least 2 s: renewing them every half second (not every tick) is soon enough and
            // leaves the tick's database round trips to the claims.
            long now = System.nanoTime();
            if (!running.isEmpty() && now - lastRenewal >= renewEvery) {
                lastRenewal = now;
                Set<UUID> kept = repository.renew(node, lease, running.keySet());
                running.forEach((id, run) -> run.held = kept.contains(id));
            }
            // Pipelines created since are put on the schedule once a second: the one statement that reads every
            // pipeline, while the claim reads only what is due.
            if (now - lastAdoption >= ADOPT_EVERY) {
                lastAdoption = now;
                repository.adopt();
            }
            int free = config.maxConcurrent() - busy.get();
            if (free <= 0 || !publisher.available()) {
                return;
            }
            // Every node ticks at the same rate; without a random phase the node whose tick falls first after
            // the slots would win every claim and the others would never share the work.
            Thread.sleep(ThreadLocalRandom.current().nextLong(config.tick().toMillis() / 2 + 1));
            if (stopping) {
                return;
            }
            long claimStart = System.nanoTime();
            List<PollRepository.Job> jobs = repository.claim(node, lease, free);
            claims.record(System.nanoTime() - claimStart, TimeUnit.NANOSECONDS);
            for (PollRepository.Job job : jobs) {
                Run run = new Run();
                Run earlier = running.put(job.pipelineId(), run);
                if (earlier != null) {
                    // The claim found the pipeline released or its lease run out: whatever the earlier run still
                    // does, it is no longer the owner.
                    earlier.held = false;
                }
                busy.incrementAndGet();
                try {
                    pool.execute(() -> {
                        try {
                            poller.run(node, job, () -> run.held, () -> stopping);
                        } catch (RuntimeException e) {
                            Log.warnf("Pipeline %s: poll failed unexpectedly: %s", job.pipelineId(), e.toString());
                        } finally {
                            running.remove(job.pipelineId(), run);
                            busy.decrementAndGet();
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // Stopping: the claim's lease runs out and another node takes the poll.
                    running.remove(job.pipelineId(), run);
                    busy.decrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Log.warnf("Poll schedule not reachable (retrying next tick): %s", e.getMessage());
        }
    }
}
