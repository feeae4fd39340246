package dev.dash.model.kafka.runtime;

import dev.dash.model.support.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Runs one {@link SinkTask} on a {@link KafkaConsumer} of its own thread (Kafka Connect's {@code
 * WorkerSinkTask}): subscribes (a consumer group, or every partition of a topic without one), hands the task
 * its partitions and records, commits only the offsets the task says are durable, pauses every partition and
 * retries with {@link Backoff} while the task asks to ({@link RetryLater}), rewinds what was polled meanwhile,
 * starts the consumer again after any other failure, and measures the lag of the partitions it holds.
 *
 * <pre>{@code
 * ConsumerRuntime<String, byte[]> runtime = ConsumerRuntime.bytes(
 *         new ConsumerRuntime.Options("dash-bronze-archiver", new Subscription.Group(prefix + "-bronze",
 *                 List.of(topics.raw())), kafkaProperties, Backoff.upTo(Duration.ofSeconds(10)),
 *                 Duration.ofMillis(200)),
 *         task);
 * runtime.start();
 * ...
 * runtime.close(Duration.ofSeconds(20));
 * }</pre>
 *
 * @param <K> record key type
 * @param <V> record value type
 */
public final class ConsumerRuntime<K, V> implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ConsumerRuntime.class.getName());
    private static final long LAG_EVERY_NANOS = 1_000_000_000L;

    /**
     * How a runtime consumes.
     *
     * @param name the thread's name and the consumer's {@code client.id} unless the properties give one
     * @param subscription a group, or every partition without one
     * @param properties Kafka consumer properties (bootstrap servers and tuning, from configuration); the
     *     runtime sets {@code group.id}, {@code enable.auto.commit=false} and, for a group, eager (range)
     *     rebalancing itself
     * @param backoff pauses between retries of a task and between consumer restarts
     * @param pollTimeout longest wait of one poll: how late time-based work in {@link SinkTask#put} may run
     */
    public record Options(
            String name,
            Subscription subscription,
            Map<String, Object> properties,
            Backoff backoff,
            Duration pollTimeout) {
        public Options {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(subscription, "subscription");
            properties = Map.copyOf(properties);
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(pollTimeout, "pollTimeout");
        }
    }

    private final Options options;
    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private final SinkTask<K, V> task;
    private final Object sleeper = new Object();

    private volatile boolean running;
    private volatile KafkaConsumer<K, V> consumer;
    private volatile long lag;
    private volatile boolean assigned;
    private volatile boolean retrying;
    private Thread thread;

    // Session state: touched only by the runtime's thread.
    private final Set<TopicPartition> open = new LinkedHashSet<>();
    private final Set<TopicPartition> taskPaused = new HashSet<>();
    private final Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
    private final Map<TopicPartition, Long> lastCommitted = new HashMap<>();
    private Pending pending;
    private int retryFailures;
    private long retryAt;
    private long lastLag;
    /** Consumer sessions failed in a row (reset by a poll without anything pending). */
    private int failures;

    /** A step the task refused for now, tried again after back-off. */
    private record Pending(Kind kind, List<TopicPartition> partitions, List<?> records) {}

    private enum Kind {
        OPEN,
        PUT,
        COMMIT
    }

    public ConsumerRuntime(Options options, Deserializer<K> keys, Deserializer<V> values, SinkTask<K, V> task) {
        this.options = Objects.requireNonNull(options);
        this.keys = Objects.requireNonNull(keys);
        this.values = Objects.requireNonNull(values);
        this.task = Objects.requireNonNull(task);
    }

    /** A runtime for String keys and byte[] values, what every Dash topic carries. */
    public static ConsumerRuntime<String, byte[]> bytes(Options options, SinkTask<String, byte[]> task) {
        return new ConsumerRuntime<>(
                options,
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                task);
    }

    /** Starts the runtime's thread; a second call does nothing. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        thread = new Thread(this::run, options.name());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Stops: the task flushes, what it returns is committed, its partitions are closed and the consumer leaves
     * its group. Waits at most {@code timeout} for that.
     */
    public void close(Duration timeout) {
        running = false;
        KafkaConsumer<K, V> c = consumer;
        if (c != null) {
            // Woken up rather than interrupted: an interrupted consumer cannot close cleanly.
            c.wakeup();
        }
        synchronized (sleeper) {
            sleeper.notifyAll();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * Records not yet durable over the partitions held: for a group, from the committed offset (or, before the
     * first commit, the offset the group started reading at) to the end; otherwise from the position to the end. Measured about once a
     * second.
     */
    public long lag() {
        return lag;
    }

    /** Whether the task holds partitions now (assigned, opened and not closed since). */
    public boolean assigned() {
        return assigned;
    }

    /** Whether the task asked to retry and every partition is paused until it succeeds. */
    public boolean retrying() {
        return retrying;
    }

    private void run() {
        while (running) {
            try {
                if (session()) {
                    return;
                }
            } catch (WakeupException | InterruptException e) {
                if (!running) {
                    break;
                }
                failures++;
                LOG.log(System.Logger.Level.WARNING, "{0}: consumer interrupted, starting again", options.name());
            } catch (Exception e) {
                failures++;
                LOG.log(
                        System.Logger.Level.WARNING,
                        "{0}: consumer failed, starting again from the committed offsets: {1}",
                        options.name(),
                        e.toString());
            } finally {
                discard();
            }
            if (running) {
                sleep(options.backoff().delay(failures).toMillis());
            }
        }
    }

    /** One consumer's life; true when it ended because the runtime stops. */
    private boolean session() {
        try (KafkaConsumer<K, V> c = new KafkaConsumer<>(properties(), keys, values)) {
            consumer = c;
            if (!running) {
                return true;
            }
            Context context = new Context(c);
            task.start(context);
            try {
                subscribe(c);
                while (running) {
                    measureLag(c);
                    if (pending != null) {
                        retry(c);
                        continue;
                    }
                    ConsumerRecords<K, V> polled = c.poll(options.pollTimeout());
                    failures = 0;
                    if (pending != null) {
                        // A rebalance inside this poll left a step waiting (open refused): read these again later.
                        rewind(c, polled);
                        continue;
                    }
                    List<ConsumerRecord<K, V>> records = new ArrayList<>(polled.count());
                    polled.forEach(records::add);
                    deliver(c, records);
                }
            } catch (WakeupException e) {
                if (running) {
                    throw e;
                }
            }
            closeAll(c, true);
            return true;
        } finally {
            consumer = null;
        }
    }

    private Map<String, Object> properties() {
        Map<String, Object> p = new HashMap<>(options.properties());
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, options.name());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (options.subscription() instanceof Subscription.Group g) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, g.groupId());
            p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        } else {
            p.remove(ConsumerConfig.GROUP_ID_CONFIG);
            // Asking for the partitions must not create the topic with the broker's defaults.
            p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        }
        return p;
    }

    private void subscribe(KafkaConsumer<K, V> c) {
        if (options.subscription() instanceof Subscription.Group g) {
            c.subscribe(g.topics(), new Listener(c));
            return;
        }
        Subscription.AllPartitions a = (Subscription.AllPartitions) options.subscription();
        List<PartitionInfo> infos = c.partitionsFor(a.topic(), Duration.ofSeconds(10));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + a.topic() + " does not exist yet");
        }
        List<TopicPartition> partitions = infos.stream()
                .map(i -> new TopicPartition(i.topic(), i.partition()))
                .toList();
        c.assign(partitions);
        if (a.fromBeginning()) {
            c.seekToBeginning(partitions);
        } else {
            c.seekToEnd(partitions);
        }
        // Positions resolved now, so that "from the end" means from this moment.
        partitions.forEach(c::position);
        opened(c, partitions);
    }

    private void deliver(KafkaConsumer<K, V> c, List<ConsumerRecord<K, V>> records) {
        if (attempt(c, new Pending(Kind.PUT, List.of(), records))) {
            attempt(c, new Pending(Kind.COMMIT, List.of(), List.of()));
        }
    }

    /** Runs a step; on {@link RetryLater} pauses everything and keeps the step for {@link #retry}. */
    private boolean attempt(KafkaConsumer<K, V> c, Pending step) {
        try {
            run(c, step);
            return true;
        } catch (RetryLater e) {
            pending = step;
            retryFailures = 1;
            retrying = true;
            retryAt = System.nanoTime() + options.backoff().delay(1).toNanos();
            c.pause(c.assignment());
            LOG.log(
                    System.Logger.Level.WARNING,
                    "{0}: {1} failed, every partition paused, retrying: {2}",
                    options.name(),
                    step.kind().name().toLowerCase(java.util.Locale.ROOT),
                    e.getMessage());
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    private void run(KafkaConsumer<K, V> c, Pending step) {
        try {
            switch (step.kind()) {
                case OPEN -> {
                    task.open(step.partitions());
                    open.addAll(step.partitions());
                    assigned = !open.isEmpty();
                }
                case PUT -> {
                    List<ConsumerRecord<K, V>> records = (List<ConsumerRecord<K, V>>) step.records();
                    task.put(records);
                    lastOffsets(records, consumed);
                }
                case COMMIT -> commit(c);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Notes in {@code consumed} the offset after each partition's last record in {@code records}. A poll returns its records in runs of one
     * partition's, so the map is written once a run rather than once a record (a {@link TopicPartition} and an {@link
     * OffsetAndMetadata} each); where a partition comes back later in the list, the later run wins, as the record
     * would.
     */
    static void lastOffsets(
            List<? extends ConsumerRecord<?, ?>> records, Map<TopicPartition, OffsetAndMetadata> consumed) {
        int n = records.size();
        for (int i = 0; i < n; i++) {
            ConsumerRecord<?, ?> r = records.get(i);
            if (i + 1 < n) {
                ConsumerRecord<?, ?> next = records.get(i + 1);
                if (next.partition() == r.partition() && next.topic().equals(r.topic())) {
                    continue;
                }
            }
            consumed.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
    }

    private void commit(KafkaConsumer<K, V> c) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = task.preCommit(Map.copyOf(consumed));
        if (!(options.subscription() instanceof Subscription.Group)) {
            consumed.clear();
            return;
        }
        if (offsets == null || offsets.isEmpty()) {
            return;
        }
        c.commitSync(offsets);
        offsets.forEach((tp, o) -> {
            lastCommitted.put(tp, o.offset());
            OffsetAndMetadata read = consumed.get(tp);
            if (read != null && read.offset() <= o.offset()) {
                consumed.remove(tp);
            }
        });
        task.committed(offsets);
    }

    /** While a step waits for its retry: polls (which keeps the group membership), rewinds, tries again when due. */
    private void retry(KafkaConsumer<K, V> c) {
        long wait = Math.max(
                0, Math.min(retryAt - System.nanoTime(), options.pollTimeout().toNanos() * 10));
        rewind(c, c.poll(Duration.ofNanos(wait)));
        if (pending == null || System.nanoTime() - retryAt < 0) {
            return;
        }
        Pending step = pending;
        try {
            run(c, step);
        } catch (RetryLater e) {
            retryFailures++;
            retryAt = System.nanoTime() + options.backoff().delay(retryFailures).toNanos();
            LOG.log(
                    System.Logger.Level.DEBUG,
                    "{0}: retry {1} failed: {2}",
                    options.name(),
                    retryFailures,
                    e.getMessage());
            return;
        }
        pending = null;
        retrying = false;
        retryFailures = 0;
        resumeAll(c);
        LOG.log(System.Logger.Level.INFO, "{0}: succeeded again, consuming resumes", options.name());
        if (step.kind() == Kind.PUT) {
            attempt(c, new Pending(Kind.COMMIT, List.of(), List.of()));
        }
    }

    /** Records returned while every partition is held are read again later. */
    private static <K, V> void rewind(KafkaConsumer<K, V> c, ConsumerRecords<K, V> records) {
        for (TopicPartition tp : records.partitions()) {
            c.seek(tp, records.records(tp).get(0).offset());
        }
    }

    private void resumeAll(KafkaConsumer<K, V> c) {
        Set<TopicPartition> resume = new HashSet<>(c.assignment());
        resume.removeAll(taskPaused);
        c.resume(resume);
    }

    private void opened(KafkaConsumer<K, V> c, Collection<TopicPartition> partitions) {
        if (options.subscription() instanceof Subscription.Group) {
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new HashSet<>(partitions));
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata o = committed.get(tp);
                // Nothing committed yet: the lag counts from where the group starts reading (its reset position).
                lastCommitted.put(tp, o != null ? o.offset() : startOffset(c, tp));
            }
        }
        if (pending != null) {
            if (pending.kind() != Kind.OPEN) {
                // Held with everything else until the pending step succeeds, then opened.
                throw new IllegalStateException("partitions assigned while a " + pending.kind() + " waits");
            }
            List<TopicPartition> all = new ArrayList<>(pending.partitions());
            all.addAll(partitions);
            pending = new Pending(Kind.OPEN, all, List.of());
            c.pause(partitions);
            return;
        }
        attempt(c, new Pending(Kind.OPEN, List.copyOf(partitions), List.of()));
    }

    private static <K, V> long startOffset(KafkaConsumer<K, V> c, TopicPartition tp) {
        try {
            return c.position(tp, Duration.ofSeconds(5));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return 0;
        }
    }

    /** Before partitions go: the task flushes, what it returns is committed, then they are closed. */
    private void closeAll(KafkaConsumer<K, V> c, boolean flush) {
        closing(c, List.copyOf(open), flush);
    }

    private void closing(KafkaConsumer<K, V> c, Collection<TopicPartition> partitions, boolean flush) {
        if (flush && !partitions.isEmpty()) {
            try {
                task.flush(partitions);
                try {
                    commit(c);
                } catch (WakeupException e) {
                    // A stop's wake-up that reached this commit rather than a poll: the commit is still due.
                    commit(c);
                }
            } catch (Exception e) {
                // Not committed: the next owner reads these records again.
                LOG.log(
                        System.Logger.Level.WARNING,
                        "{0}: work of partitions {1} not made durable before closing them: {2}",
                        options.name(),
                        partitions,
                        e.toString());
            }
        }
        forget(partitions);
    }

    /** Closes the task's partitions and forgets them (and whatever waits for them). */
    private void forget(Collection<TopicPartition> partitions) {
        List<TopicPartition> closing =
                partitions.stream().filter(open::contains).toList();
        if (!closing.isEmpty()) {
            try {
                task.close(closing);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "{0}: closing partitions failed: {1}", options.name(), e);
            }
        }
        open.removeAll(partitions);
        assigned = !open.isEmpty();
        taskPaused.removeAll(partitions);
        partitions.forEach(tp -> {
            consumed.remove(tp);
            lastCommitted.remove(tp);
        });
        if (pending != null) {
            Set<TopicPartition> gone = new HashSet<>(partitions);
            pending = switch (pending.kind()) {
                case OPEN -> {
                    List<TopicPartition> left = pending.partitions().stream()
                            .filter(tp -> !gone.contains(tp))
                            .toList();
                    yield left.isEmpty() ? null : new Pending(Kind.OPEN, left, List.of());
                }
                case PUT -> {
                    List<?> left = pending.records().stream()
                            .filter(r -> !gone.contains(new TopicPartition(
                                    ((ConsumerRecord<?, ?>) r).topic(), ((ConsumerRecord<?, ?>) r).partition())))
                            .toList();
                    yield left.isEmpty() && open.isEmpty() ? null : new Pending(Kind.PUT, List.of(), left);
                }
                case COMMIT -> open.isEmpty() ? null : pending;
            };
            retrying = pending != null;
        }
    }

    /** After a failed session: the task forgets everything; the next session starts from committed offsets. */
    private void discard() {
        if (!open.isEmpty()) {
            forget(List.copyOf(open));
        }
        pending = null;
        retrying = false;
        open.clear();
        assigned = false;
        taskPaused.clear();
        consumed.clear();
        lastCommitted.clear();
        lag = 0;
    }

    private void measureLag(KafkaConsumer<K, V> c) {
        long now = System.nanoTime();
        if (now - lastLag < LAG_EVERY_NANOS) {
            return;
        }
        lastLag = now;
        Set<TopicPartition> held = c.assignment();
        if (held.isEmpty()) {
            lag = 0;
            return;
        }
        try {
            Map<TopicPartition, Long> end = c.endOffsets(held, Duration.ofSeconds(1));
            boolean group = options.subscription() instanceof Subscription.Group;
            long total = 0;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                Long from = group ? lastCommitted.get(e.getKey()) : Long.valueOf(c.position(e.getKey()));
                total += Math.max(0, e.getValue() - (from == null ? 0 : from));
            }
            lag = total;
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: lag not measured: {1}", options.name(), e.getMessage());
        }
    }

    private void sleep(long millis) {
        synchronized (sleeper) {
            try {
                if (running && millis > 0) {
                    sleeper.wait(millis);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    /** Eager rebalancing: every partition revoked (flushed, committed, closed), then the new ones opened. */
    private final class Listener implements ConsumerRebalanceListener {
        private final KafkaConsumer<K, V> c;

        Listener(KafkaConsumer<K, V> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            closing(c, partitions, true);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member may own them already: nothing is committed, the owner reads them again.
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (pending == null) {
                resumeAll(c);
            }
            if (!partitions.isEmpty()) {
                opened(c, partitions);
            }
        }
    }

    private final class Context implements TaskContext {
        private final KafkaConsumer<K, V> c;

        Context(KafkaConsumer<K, V> c) {
            this.c = c;
        }

        @Override
        public Set<TopicPartition> assignment() {
            return c.assignment();
        }

        @Override
        public Map<TopicPartition, OffsetAndMetadata> committed(Collection<TopicPartition> partitions) {
            return c.committed(new HashSet<>(partitions));
        }

        @Override
        public long position(TopicPartition partition, Duration timeout) {
            try {
                return c.position(partition, timeout);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                return -1;
            }
        }

        @Override
        public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
            return c.endOffsets(partitions, timeout);
        }

        @Override
        public boolean caughtUp() {
            Set<TopicPartition> held = c.assignment();
            if (held.isEmpty()) {
                return false;
            }
            for (TopicPartition tp : held) {
                java.util.OptionalLong lag = c.currentLag(tp);
                if (lag.isEmpty() || lag.getAsLong() > 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void pause(Collection<TopicPartition> partitions) {
            taskPaused.addAll(partitions);
            c.pause(partitions);
        }

        @Override
        public void resume(Collection<TopicPartition> partitions) {
            taskPaused.removeAll(partitions);
            if (pending == null) {
                c.resume(partitions);
            }
        }
    }
}
