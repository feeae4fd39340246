package dev.dash.ingestor.poll;

import dev.dash.ingestor.ingest.RawPublisher;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Takes due polls from the shared schedule every tick, as many as this node has free slots for, and runs
 * them on its own pool; renews the leases of the polls it runs on the same tick. A pipeline's next poll is
 * scheduled only when its run ends, and it cannot be claimed while its lease holds, so a slow poll is never
 * run twice at once; late polls are counted instead.
 */
@ApplicationScoped
public class PollScheduler {
    private final PollConfig config;
    private final PollRepository repository;
    private final Poller poller;
    private final RawPublisher publisher;
    private final String node;
    private final ExecutorService pool;
    /** Runs in progress on this node, and whether each still holds its lease. */
    private final ConcurrentHashMap<UUID, Boolean> running = new ConcurrentHashMap<>();

    private final AtomicInteger busy = new AtomicInteger();
    private volatile boolean stopping;

    public PollScheduler(PollConfig config, PollRepository repository, Poller poller, RawPublisher publisher) {
        this.config = config;
        this.repository = repository;
        this.poller = poller;
        this.publisher = publisher;
        this.node = config.nodeId().orElseGet(PollScheduler::defaultNode);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(Math.max(1, config.maxConcurrent()), r -> {
            Thread t = new Thread(r, "dash-poll-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
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

    /** Polls running on this node now. */
    public int running() {
        return busy.get();
    }

    void onStop(@Observes ShutdownEvent event) {
        // A request in flight is answered, published and recorded (a source that was asked is counted as
        // polled); no further page or poll is started. What does not end in time is interrupted.
        stopping = true;
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

    @Scheduled(
            every = "${dash.poll.tick:PT0.25S}",
            delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = PollDisabled.class)
    void tick() {
        if (stopping) {
            return;
        }
        long lease = Math.max(2, config.lease().toSeconds());
        try {
            if (!running.isEmpty()) {
                Set<UUID> kept = repository.renew(node, lease, running.keySet());
                running.replaceAll((id, held) -> kept.contains(id));
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
            List<PollRepository.Job> jobs = repository.claim(node, lease, free);
            for (PollRepository.Job job : jobs) {
                running.put(job.pipelineId(), true);
                busy.incrementAndGet();
                try {
                    pool.execute(() -> {
                        try {
                            poller.run(
                                    node,
                                    job,
                                    () -> Boolean.TRUE.equals(running.get(job.pipelineId())),
                                    () -> stopping);
                        } catch (RuntimeException e) {
                            Log.warnf("Pipeline %s: poll failed unexpectedly: %s", job.pipelineId(), e.toString());
                        } finally {
                            running.remove(job.pipelineId());
                            busy.decrementAndGet();
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // Stopping: the claim's lease runs out and another node takes the poll.
                    running.remove(job.pipelineId());
                    busy.decrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Log.warnf("Poll schedule not reachable (retrying next tick): %s", e.getMessage());
        }
    }

    /** Skips the tick on nodes with {@code dash.poll.enabled=false}. */
    @ApplicationScoped
    public static class PollDisabled implements Scheduled.SkipPredicate {
        private final PollConfig config;

        public PollDisabled(PollConfig config) {
            this.config = config;
        }

        @Override
        public boolean test(io.quarkus.scheduler.ScheduledExecution execution) {
            return !config.enabled();
        }
    }
}
