package dev.dash.replay.job;

import dev.dash.model.kafka.KafkaSettings;
import dev.dash.model.kafka.TopicNames;
import dev.dash.model.replay.Replay;
import dev.dash.platform.config.KafkaConfig;
import dev.dash.platform.startup.StartupSteps;
import dev.dash.replay.config.ReplayConfig;
import dev.dash.replay.control.ControlPublisher;
import dev.dash.replay.replay.ReplayRepository;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs replay jobs on this node: claims open replays by lease (at most {@code dash.replay.max-concurrent}
 * at once), renews the leases of those it runs, hands abandoned ones of dead nodes to itself, paces all of
 * them with one {@link Throttle}, reports progress, and sweeps the rows of versions no longer written
 * ({@link VersionSweeper}). One loop thread plus one thread per running job; all blocking JDBC and S3.
 */
@ApplicationScoped
public class ReplayJobs {
    private final AgroalDataSource dataSource;
    private final S3Client s3;
    private final ReplayConfig.Job config;
    private final String bucket;
    private final StartupSteps startup;
    private final ControlPublisher publisher;
    private final VersionSweeper sweeper;
    private final String bootstrapServers;
    private final KafkaConfig kafka;
    private final String rawTopic;
    private final String node;
    private final Throttle throttle;

    private final Map<UUID, ReplayJob> held = new ConcurrentHashMap<>();
    private final Map<UUID, Long> lastReport = new ConcurrentHashMap<>();
    private final Counter events;
    private final Counter points;
    private final Counter objects;
    private final Object wake = new Object();

    private volatile boolean running = true;
    private volatile int partitions;
    private volatile long partitionsCheckedAt;
    private ExecutorService executor;
    private Thread loop;
    private Admin admin;

    public ReplayJobs(
            AgroalDataSource dataSource,
            S3Client s3,
            ReplayConfig config,
            StartupSteps startup,
            ControlPublisher publisher,
            MeterRegistry registry,
            TopicNames topics,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.dataSource = dataSource;
        this.s3 = s3;
        this.config = config.replay();
        this.bucket = config.bronze().bucket();
        this.startup = startup;
        this.publisher = publisher;
        this.bootstrapServers = bootstrapServers;
        this.kafka = config.kafka();
        this.rawTopic = topics.raw();
        this.node = this.config.nodeId().orElseGet(ReplayJobs::defaultNode);
        this.throttle = new Throttle(this.config.maxEventsPerSecond());
        this.sweeper = new VersionSweeper(dataSource, this.config);
        this.events = Counter.builder("dash.replay.events")
                .description("Events read from Bronze by replay jobs")
                .register(registry);
        this.points = Counter.builder("dash.replay.points")
                .description("Points written to Silver by replay jobs")
                .register(registry);
        this.objects = Counter.builder("dash.replay.objects")
                .description("Bronze objects replayed (checkpointed)")
                .register(registry);
        Gauge.builder("dash.replay.jobs.running", held, Map::size)
                .description("Replay jobs running on this node")
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            Log.info("Replay jobs are disabled on this node (dash.replay.enabled=false)");
            return;
        }
        executor = Executors.newFixedThreadPool(config.maxConcurrent(), r -> {
            Thread t = new Thread(r, "dash-replay-job");
            t.setDaemon(true);
            return t;
        });
        loop = new Thread(this::loop, "dash-replay-runner");
        loop.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        synchronized (wake) {
            wake.notifyAll();
        }
        if (loop == null) {
            return;
        }
        try {
            loop.join(10_000);
            executor.shutdown();
            executor.awaitTermination(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Connection c = dataSource.getConnection()) {
            int n = JobStore.release(c, node);
            if (n > 0) {
                Log.infof("Released %d replay job(s) for other nodes", n);
            }
        } catch (SQLException e) {
            Log.warnf("Replay jobs not released (their leases will run out): %s", e.getMessage());
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }

    private void loop() {
        long lastSweep = 0;
        while (running) {
            try {
                if (startup.steps().stream().allMatch(dev.dash.model.support.RetryingTask::done)) {
                    renewLeases();
                    claim();
                    publisher.retryPending();
                    if (System.nanoTime() - lastSweep > config.pollInterval().toNanos() * 10) {
                        lastSweep = System.nanoTime();
                        sweeper.sweep();
                    }
                }
            } catch (Exception e) {
                Log.warnf("Replay runner: %s", e.getMessage());
            }
            pause();
        }
    }

    private void renewLeases() throws SQLException {
        if (held.isEmpty()) {
            return;
        }
        Set<UUID> still;
        try (Connection c = dataSource.getConnection()) {
            still = JobStore.renew(c, held.keySet(), node, config.lease());
        }
        held.forEach((id, job) -> {
            if (!still.contains(id)) {
                job.lost();
            }
        });
    }

    private void claim() throws SQLException {
        List<UUID> waiting;
        try (Connection c = dataSource.getConnection()) {
            waiting = JobStore.queuedToWaiting(c);
        }
        waiting.forEach(this::report);
        while (running && held.size() < config.maxConcurrent()) {
            UUID id;
            int n = rawPartitions();
            try (Connection c = dataSource.getConnection()) {
                id = JobStore.claim(c, node, config.lease(), n);
            }
            if (id == null) {
                return;
            }
            ReplayJob job = new ReplayJob(id, context);
            held.put(id, job);
            Log.infof("Replay %s claimed by %s", id, node);
            executor.submit(job);
        }
    }

    // --- what a job uses: its context -------------------------------------------------------------------

    /** Each job's view of this runner (JobContext): the database, Bronze, settings and reporting, no more. */
    private final JobContext context = new JobContext() {
        @Override
        public <T> T db(Sql<T> work) {
            return ReplayJobs.this.db(work);
        }

        @Override
        public InputStream open(String key) {
            return ReplayJobs.this.open(key);
        }

        @Override
        public long backoff(long backoff) {
            return ReplayJobs.this.backoff(backoff);
        }

        @Override
        public boolean running() {
            return running;
        }

        @Override
        public String node() {
            return node;
        }

        @Override
        public Duration lease() {
            return config.lease();
        }

        @Override
        public int batchRows() {
            return config.batchRows();
        }

        @Override
        public int objectsInFlight() {
            return Math.max(1, config.objectsInFlight());
        }

        @Override
        public int writeConnections() {
            return Math.max(1, config.writeConnections());
        }

        @Override
        public int rollupRoundMinutes() {
            return Math.max(1, config.rollupRoundMinutes());
        }

        @Override
        public Throttle throttle() {
            return throttle;
        }

        @Override
        public PinnedDataSource pinnedConnection() {
            return new PinnedDataSource(dataSource);
        }

        @Override
        public void report(UUID replay) {
            ReplayJobs.this.report(replay);
        }

        @Override
        public void progressed(UUID replay, JobStore.ObjectDone done) {
            ReplayJobs.this.progressed(replay, done);
        }

        @Override
        public void pipelineChanged(UUID pipelineId) {
            publisher.pipelineChanged(pipelineId);
        }

        @Override
        public void finished(UUID replay) {
            ReplayJobs.this.finished(replay);
        }
    };

    /**
     * Runs on a fresh connection; failures of the database's availability (connection, shutdown,
     * resources) are retried with backoff while the job may go on, anything else ends the job.
     */
    private <T> T db(JobContext.Sql<T> work) {
        long backoff = 250;
        while (true) {
            try (Connection c = dataSource.getConnection()) {
                return work.run(c);
            } catch (SQLException e) {
                String state = e.getSQLState();
                boolean transient_ = state == null
                        || state.startsWith("08")
                        || state.startsWith("53")
                        || state.startsWith("57")
                        || state.startsWith("40");
                if (!transient_) {
                    throw new ReplayJob.Fatal("database error " + state + ": " + e.getMessage());
                }
                if (!running) {
                    throw new JobStop("the node is stopping");
                }
                Log.warnf("Replay job database call failed, will retry: %s", e.getMessage());
                backoff = backoff(backoff);
            }
        }
    }

    private InputStream open(String key) {
        return s3.getObject(b -> b.bucket(bucket).key(key));
    }

    /** Waits one poll interval (or until the node stops). */
    private void pause() {
        synchronized (wake) {
            if (!running) {
                return;
            }
            try {
                wake.wait(config.pollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    /** Waits {@code backoff} ms (or until the node stops) and returns the next, doubled up to 10 s. */
    private long backoff(long backoff) {
        synchronized (wake) {
            if (running) {
                try {
                    wake.wait(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
        }
        return Math.min(backoff * 2, 10_000);
    }

    /** Partitions of {@code dash.raw}, asked of Kafka at most every 30 s. */
    private int rawPartitions() {
        if (partitions > 0 && System.nanoTime() - partitionsCheckedAt < TimeUnit.SECONDS.toNanos(30)) {
            return partitions;
        }
        try {
            synchronized (this) {
                if (admin == null) {
                    // Client "admin": its timeouts are dash.kafka.client.admin.* (application.properties).
                    admin = Admin.create(KafkaSettings.layered(
                            Map.of(), bootstrapServers, Map.of(), kafka.client().get("admin")));
                }
            }
            partitions = admin.describeTopics(List.of(rawTopic))
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .get(rawTopic)
                    .partitions()
                    .size();
            partitionsCheckedAt = System.nanoTime();
        } catch (Exception e) {
            if (partitions == 0) {
                throw new JobStop("cannot ask Kafka for the partitions of " + rawTopic + ": " + e.getMessage());
            }
        }
        return partitions;
    }

    /** Publishes the replay's current row on {@code dash.replays}. */
    private void report(UUID id) {
        lastReport.put(id, System.nanoTime());
        try (Connection c = dataSource.getConnection()) {
            Replay r = ReplayRepository.find(c, id, false);
            if (r != null) {
                publisher.progress(r);
            }
        } catch (SQLException e) {
            Log.debugf("Replay %s progress not read: %s", id, e.getMessage());
        }
    }

    /** An object is checkpointed: counters, and a report at most every progress interval. */
    private void progressed(UUID id, JobStore.ObjectDone done) {
        events.increment(done.events());
        points.increment(done.points());
        objects.increment();
        Long last = lastReport.get(id);
        if (last == null
                || System.nanoTime() - last >= config.progressInterval().toNanos()) {
            report(id);
        }
    }

    private void finished(UUID id) {
        held.remove(id);
        lastReport.remove(id);
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private static String defaultNode() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "replay";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
