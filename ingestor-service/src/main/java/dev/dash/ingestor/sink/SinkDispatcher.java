package dev.dash.ingestor.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.dash.ingestor.pipeline.CachedPipeline;
import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.ingestor.support.KafkaClients;
import dev.dash.model.json.Json;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads {@code dash.points} (group {@code <prefix>sinks}) into the sinks' outbox: per point, into a batch,
 * or as alert transitions. Everything read in one poll (deliveries, alert states and the next offsets) is
 * written in one database transaction, and the partitions resume from the offsets stored there, so a crash
 * or rebalance neither loses nor doubles a delivery or an alert. Delivering is the {@link DeliveryWorkers}'
 * job: this loop never waits for a receiver, so a slow sink cannot hold it (nor the Silver writer).
 */
@ApplicationScoped
public class SinkDispatcher {
    private final SinksConfig config;
    private final SinkRepository repository;
    private final SinkDirectory directory;
    private final DeliveryWorkers workers;
    private final PipelineCache pipelines;
    private final KafkaClients kafka;
    private final String group;
    private final Counter planned;
    private final AtomicLong lag = new AtomicLong();
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean assigned;
    private Thread thread;

    public SinkDispatcher(
            SinksConfig config,
            SinkRepository repository,
            SinkDirectory directory,
            DeliveryWorkers workers,
            PipelineCache pipelines,
            MeterRegistry registry,
            KafkaClients kafka) {
        this.config = config;
        this.repository = repository;
        this.directory = directory;
        this.workers = workers;
        this.pipelines = pipelines;
        this.kafka = kafka;
        this.group = kafka.group("sinks");
        this.planned = Counter.builder("dash.sinks.planned")
                .description("Deliveries put into the sinks' outbox (points, batches, alert transitions)")
                .register(registry);
        Gauge.builder("dash.sinks.lag", lag, AtomicLong::get)
                .description("dash.points records not yet read by the sink dispatcher on this node")
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        thread = new Thread(this::run, "dash-sink-dispatcher");
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the dispatcher holds its partitions (tests wait for it before publishing). */
    public boolean assigned() {
        return assigned;
    }

    /** The consumer group. */
    public String group() {
        return group;
    }

    private void run() {
        long backoff = 250;
        while (running) {
            try {
                consume();
            } catch (WakeupException e) {
                break;
            } catch (Exception e) {
                Log.warnf("Sink dispatcher restarting after: %s", e.toString());
                assigned = false;
                sleep(backoff);
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    private void consume() {
        // Manual commits (offsets live in PostgreSQL with the outbox), committed records only, eager rebalancing;
        // batch sizes and waits: dash.kafka.consumer.* and dash.kafka.client.sinks.* (application.properties).
        Map<String, Object> p = kafka.consumer(
                "sinks",
                Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG, group,
                        ConsumerConfig.CLIENT_ID_CONFIG, "dash-sink-dispatcher",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName()));
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            c.subscribe(List.of(kafka.topics().points()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    assigned = false;
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    seekToStored(c, partitions);
                    assigned = true;
                }
            });
            long backoff = 250;
            long lastLag = 0;
            while (running) {
                ConsumerRecords<String, byte[]> records = c.poll(java.time.Duration.ofMillis(200));
                if (System.nanoTime() - lastLag > 1_000_000_000L) {
                    lastLag = System.nanoTime();
                    long total = 0;
                    for (TopicPartition tp : c.assignment()) {
                        total += c.currentLag(tp).orElse(0);
                    }
                    lag.set(total);
                }
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    Map<TopicPartition, OffsetAndMetadata> done = store(records);
                    backoff = 250;
                    c.commitAsync(done, null);
                } catch (SQLException | RuntimeException e) {
                    Log.warnf("Sink dispatcher could not store %d records, will retry: %s", records.count(), e);
                    for (TopicPartition tp : records.partitions()) {
                        c.seek(tp, records.records(tp).get(0).offset());
                    }
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 10_000);
                }
            }
        } finally {
            consumer = null;
            assigned = false;
        }
    }

    private void seekToStored(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<Integer, Long> stored;
        try {
            stored = repository.offsets(group);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the sink dispatcher's offsets: " + e.getMessage(), e);
        }
        Map<TopicPartition, Long> byTime = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long next = stored.get(tp.partition());
            if (next != null) {
                c.seek(tp, next);
            } else {
                byTime.put(tp, System.currentTimeMillis() - config.startBack().toMillis());
            }
        }
        if (!byTime.isEmpty()) {
            Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(byTime);
            Map<TopicPartition, Long> ends = c.endOffsets(byTime.keySet());
            for (TopicPartition tp : byTime.keySet()) {
                OffsetAndTimestamp o = found.get(tp);
                c.seek(tp, o == null ? ends.get(tp) : o.offset());
            }
        }
    }

    /** Plans and stores the deliveries of one poll with the next offsets, in one transaction. */
    Map<TopicPartition, OffsetAndMetadata> store(ConsumerRecords<String, byte[]> records) throws SQLException {
        long newest = 0;
        for (ConsumerRecord<String, byte[]> r : records) {
            newest = Math.max(newest, r.timestamp());
        }
        SinkDirectory.View sinks = directory.atLeast(Instant.ofEpochMilli(newest));
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        Map<Integer, Long> next = new HashMap<>();
        double plannedBefore = planned.count();
        try (Connection c = repository.connect()) {
            c.setAutoCommit(false);
            try {
                Map<UUID, Map<String, AlertEvaluator.State>> alerts = null;
                Map<UUID, Map<String, AlertEvaluator.State>> changed = new HashMap<>();
                for (ConsumerRecord<String, byte[]> r : records) {
                    next.put(r.partition(), r.offset() + 1);
                    done.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    List<SinkDefinition> targets = sinks.forPipeline(r.key());
                    if (targets.isEmpty() || r.value() == null) {
                        continue;
                    }
                    PointsBatch batch;
                    try {
                        batch = PointsCodec.decode(r.value());
                    } catch (RuntimeException e) {
                        Log.warnf("Unreadable dash.points record at %d/%d skipped: %s", r.partition(), r.offset(), e);
                        continue;
                    }
                    List<PointsBatch.Point> points = visible(batch);
                    for (SinkDefinition sink : targets) {
                        if (batch.committedAt().isBefore(sink.insertedAt()) || points.isEmpty()) {
                            continue;
                        }
                        if (sink.mode() instanceof DeliveryMode.Alert a) {
                            if (alerts == null) {
                                alerts = SinkRepository.alerts(c, sinks.alertSinkIds());
                            }
                            Map<String, AlertEvaluator.State> states =
                                    alerts.computeIfAbsent(sink.id(), k -> new HashMap<>());
                            alert(c, sink, a.rule(), batch, points, states, changed);
                        } else if (sink.mode() instanceof DeliveryMode.Batch b) {
                            batch(c, sink, b, batch, points);
                        } else {
                            for (PointsBatch.Point pt : points) {
                                ArrayNode one = Json.nodes().arrayNode().add(SinkMessages.point(pt));
                                SinkRepository.insertDelivery(
                                        c,
                                        UUID.randomUUID(),
                                        sink,
                                        "points",
                                        SinkMessages.points(sink.pipelineId(), one)
                                                .toString(),
                                        1,
                                        batch.committedAt());
                                planned.increment();
                            }
                        }
                    }
                }
                for (Map.Entry<UUID, Map<String, AlertEvaluator.State>> e : changed.entrySet()) {
                    for (Map.Entry<String, AlertEvaluator.State> s :
                            e.getValue().entrySet()) {
                        SinkRepository.saveAlert(c, e.getKey(), s.getKey(), s.getValue());
                    }
                }
                SinkRepository.saveOffsets(c, group, next);
                c.commit();
                if (planned.count() != plannedBefore) {
                    workers.wake();
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        return done;
    }

    /** During a replay's dual write only the active version's points go out (what dashboards show). */
    private List<PointsBatch.Point> visible(PointsBatch batch) {
        CachedPipeline p = pipelines.get(batch.pipelineId());
        if (p == null || p.active() == null || p.pending() == null) {
            return batch.points();
        }
        int active = p.active().version();
        List<PointsBatch.Point> out = new ArrayList<>(batch.points().size());
        for (PointsBatch.Point pt : batch.points()) {
            if (pt.mappingVersion() == active) {
                out.add(pt);
            }
        }
        return out;
    }

    private void batch(
            Connection c,
            SinkDefinition sink,
            DeliveryMode.Batch mode,
            PointsBatch batch,
            List<PointsBatch.Point> points)
            throws SQLException {
        int i = 0;
        while (i < points.size()) {
            Object[] open = SinkRepository.collecting(c, sink.id());
            int room = open == null ? mode.maxPoints() : mode.maxPoints() - (int) open[1];
            int n = Math.max(1, Math.min(room, points.size() - i));
            ArrayNode part = Json.nodes().arrayNode();
            for (int k = i; k < i + n; k++) {
                part.add(SinkMessages.point(points.get(k)));
            }
            UUID id;
            if (open == null) {
                id = UUID.randomUUID();
                SinkRepository.openBatch(
                        c,
                        id,
                        sink,
                        SinkMessages.points(sink.pipelineId(), part).toString(),
                        n,
                        batch.committedAt(),
                        mode.maxWait().toMillis());
                planned.increment();
            } else {
                id = (UUID) open[0];
                SinkRepository.appendBatch(c, id, part.toString(), n, batch.committedAt());
            }
            if (n >= room) {
                SinkRepository.closeBatch(c, id);
            }
            i += n;
        }
    }

    private void alert(
            Connection c,
            SinkDefinition sink,
            AlertRule rule,
            PointsBatch batch,
            List<PointsBatch.Point> points,
            Map<String, AlertEvaluator.State> states,
            Map<UUID, Map<String, AlertEvaluator.State>> changed)
            throws SQLException {
        List<PointsBatch.Point> matching = new ArrayList<>();
        for (PointsBatch.Point p : points) {
            if (rule.matches(p.metric(), p.labels())) {
                matching.add(p);
            }
        }
        matching.sort(Comparator.comparing(PointsBatch.Point::time));
        for (PointsBatch.Point p : matching) {
            String series = SinkMessages.series(p.metric(), p.labels());
            AlertEvaluator.State before = states.get(series);
            AlertEvaluator.Step step = AlertEvaluator.apply(rule, before, p.time(), p.value());
            if (step.next() == null) {
                states.remove(series);
            } else {
                states.put(series, step.next());
            }
            if (before != null || step.next() != null) {
                changed.computeIfAbsent(sink.id(), k -> new HashMap<>()).put(series, step.next());
            }
            if (step.transition() != AlertEvaluator.Transition.NONE) {
                boolean firing = step.transition() == AlertEvaluator.Transition.FIRED;
                Instant firedAt = firing ? step.next().firedAt() : before.firedAt();
                SinkRepository.insertDelivery(
                        c,
                        UUID.randomUUID(),
                        sink,
                        firing ? "alert_firing" : "alert_resolved",
                        SinkMessages.alert(sink.pipelineId(), sink.id(), rule, firing, p, firedAt)
                                .toString(),
                        1,
                        batch.committedAt());
                planned.increment();
                Log.infof("Alert %s for sink %s: %s = %s", firing ? "fired" : "resolved", sink.id(), series, p.value());
            }
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
