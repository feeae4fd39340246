package dev.dash.model.kafka.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dash.model.support.Backoff;
import dev.dash.model.testing.LocalServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The consumer runtime against the real broker: commit after durable, retry with pause, rebalance, no group. */
class ConsumerRuntimeTest {
    private final String bootstrap = LocalServices.ensureStarted().kafkaBootstrap();
    private final String topic = "dash.test.runtime." + UUID.randomUUID();
    private final String group = LocalServices.groupPrefix() + "-runtime-" + UUID.randomUUID();
    private final List<ConsumerRuntime<String, String>> runtimes = new ArrayList<>();
    private Admin admin;

    /** A task that remembers what it was given and commits only what the test has declared durable. */
    static final class Recording implements SinkTask<String, String> {
        final Set<TopicPartition> open = ConcurrentHashMap.newKeySet();
        final List<String> values = new CopyOnWriteArrayList<>();
        final List<String> flushed = new CopyOnWriteArrayList<>();
        final Map<TopicPartition, OffsetAndMetadata> committed = new ConcurrentHashMap<>();
        final AtomicBoolean durable = new AtomicBoolean(true);
        final AtomicInteger failPuts = new AtomicInteger();
        final AtomicInteger failOpens = new AtomicInteger();
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger puts = new AtomicInteger();

        @Override
        public void open(Collection<TopicPartition> partitions) {
            opens.incrementAndGet();
            if (failOpens.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new RetryLater("cannot prepare the partitions yet");
            }
            open.addAll(partitions);
        }

        @Override
        public void put(List<ConsumerRecord<String, String>> records) {
            if (!records.isEmpty() && failPuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new RetryLater("the sink is down");
            }
            puts.incrementAndGet();
            records.forEach(r -> values.add(r.value()));
        }

        @Override
        public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> consumed) {
            return durable.get() ? consumed : Map.of();
        }

        @Override
        public void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
            committed.putAll(offsets);
        }

        @Override
        public void flush(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> flushed.add(tp.toString()));
        }

        @Override
        public void close(Collection<TopicPartition> partitions) {
            open.removeAll(partitions);
        }
    }

    @BeforeEach
    void topic() throws Exception {
        admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    }

    @AfterEach
    void cleanUp() throws Exception {
        runtimes.forEach(r -> r.close(Duration.ofSeconds(10)));
        admin.deleteTopics(List.of(topic)).all().get();
        admin.deleteConsumerGroups(List.of(group));
        admin.close();
    }

    private ConsumerRuntime<String, String> start(Subscription subscription, SinkTask<String, String> task) {
        ConsumerRuntime<String, String> r = new ConsumerRuntime<>(
                new ConsumerRuntime.Options(
                        "test-runtime",
                        subscription,
                        Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest"),
                        new Backoff(Duration.ofMillis(100), Duration.ofMillis(400), 2.0, 0.0),
                        Duration.ofMillis(50)),
                new StringDeserializer(),
                new StringDeserializer(),
                task);
        runtimes.add(r);
        r.start();
        return r;
    }

    private void send(int from, int to) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrap), new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < to; i++) {
                p.send(new ProducerRecord<>(topic, i % 2, "k" + i, "v" + i)).get();
            }
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> groupOffsets() throws Exception {
        return admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get();
    }

    private static List<String> values(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add("v" + i);
        }
        return out;
    }

    @Test
    void commitsOnlyWhatTheTaskSaysIsDurable() throws Exception {
        Recording task = new Recording();
        task.durable.set(false);
        ConsumerRuntime<String, String> runtime = start(new Subscription.Group(group, List.of(topic)), task);
        send(0, 10);
        await().atMost(Duration.ofSeconds(60)).until(() -> task.values.size() == 10);
        // Read, not durable: nothing committed however long it waits, and the lag counts all of it.
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.lag() == 10);
        assertThat(groupOffsets()).isEmpty();
        assertThat(task.committed).isEmpty();

        task.durable.set(true);
        send(10, 12);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(groupOffsets())
                        .containsEntry(new TopicPartition(topic, 0), new OffsetAndMetadata(6))
                        .containsEntry(new TopicPartition(topic, 1), new OffsetAndMetadata(6)));
        assertThat(task.committed).isEqualTo(groupOffsets());
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.lag() == 0);
        assertThat(task.values).containsExactlyInAnyOrderElementsOf(values(0, 12));
    }

    @Test
    void aTaskThatAsksToRetryIsPausedAndGivenTheSameRecordsAgain() throws Exception {
        Recording task = new Recording();
        task.failPuts.set(3);
        ConsumerRuntime<String, String> runtime = start(new Subscription.Group(group, List.of(topic)), task);
        await().atMost(Duration.ofSeconds(60)).until(() -> task.open.size() == 2);
        send(0, 20);
        await().atMost(Duration.ofSeconds(30)).until(runtime::retrying);
        assertThat(groupOffsets()).isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> task.values.size() == 20 && !runtime.retrying());
        // Every record exactly once: the refused polls were kept (or rewound), not skipped nor doubled.
        assertThat(task.values).containsExactlyInAnyOrderElementsOf(values(0, 20));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(groupOffsets())
                        .containsEntry(new TopicPartition(topic, 0), new OffsetAndMetadata(10))
                        .containsEntry(new TopicPartition(topic, 1), new OffsetAndMetadata(10)));
    }

    @Test
    void partitionsWhoseOpenIsRefusedStayPausedUntilItSucceeds() throws Exception {
        send(0, 8);
        Recording task = new Recording();
        task.failOpens.set(2);
        ConsumerRuntime<String, String> runtime = start(new Subscription.Group(group, List.of(topic)), task);
        await().atMost(Duration.ofSeconds(60)).until(() -> task.opens.get() >= 1);
        // Nothing is handed over before open succeeds, and then everything, once.
        assertThat(task.values).isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> task.values.size() == 8);
        assertThat(task.opens.get()).isEqualTo(3);
        assertThat(runtime.retrying()).isFalse();
        assertThat(task.values).containsExactlyInAnyOrderElementsOf(values(0, 8));
    }

    @Test
    void aRebalanceFlushesCommitsAndClosesBeforeTheOtherMemberTakesOver() throws Exception {
        Recording first = new Recording();
        start(new Subscription.Group(group, List.of(topic)), first);
        await().atMost(Duration.ofSeconds(60)).until(() -> first.open.size() == 2);
        send(0, 10);
        await().atMost(Duration.ofSeconds(30)).until(() -> first.values.size() == 10);

        Recording second = new Recording();
        ConsumerRuntime<String, String> secondRuntime = start(new Subscription.Group(group, List.of(topic)), second);
        await().atMost(Duration.ofSeconds(60)).until(() -> first.open.size() == 1 && second.open.size() == 1);
        // Eager: the first member flushed both partitions before giving them up, and committed what it had read.
        assertThat(first.flushed).contains(topic + "-0", topic + "-1");
        assertThat(groupOffsets())
                .containsEntry(new TopicPartition(topic, 0), new OffsetAndMetadata(5))
                .containsEntry(new TopicPartition(topic, 1), new OffsetAndMetadata(5));

        send(10, 20);
        await().atMost(Duration.ofSeconds(30)).until(() -> first.values.size() + second.values.size() == 20);
        // The new owner starts from the committed offset: nothing read twice, nothing missed.
        List<String> all = new ArrayList<>(first.values);
        all.addAll(second.values);
        assertThat(all).containsExactlyInAnyOrderElementsOf(values(0, 20));

        secondRuntime.close(Duration.ofSeconds(10));
        assertThat(second.open).isEmpty();
        await().atMost(Duration.ofSeconds(60)).until(() -> first.open.size() == 2);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(groupOffsets())
                        .containsEntry(new TopicPartition(topic, 0), new OffsetAndMetadata(10))
                        .containsEntry(new TopicPartition(topic, 1), new OffsetAndMetadata(10)));
    }

    @Test
    void withoutAGroupEveryPartitionIsReadFromTheBeginningAndNothingIsCommitted() throws Exception {
        send(0, 6);
        Recording task = new Recording();
        ConsumerRuntime<String, String> runtime = start(new Subscription.AllPartitions(topic, true), task);
        await().atMost(Duration.ofSeconds(30)).until(() -> task.values.size() == 6);
        assertThat(runtime.assigned()).isTrue();
        assertThat(task.open).hasSize(2);
        assertThat(task.committed).isEmpty();
        assertThat(groupOffsets()).isEmpty();

        Recording fromEnd = new Recording();
        ConsumerRuntime<String, String> tail = start(new Subscription.AllPartitions(topic, false), fromEnd);
        await().atMost(Duration.ofSeconds(30)).until(tail::assigned);
        send(6, 8);
        await().atMost(Duration.ofSeconds(30)).until(() -> fromEnd.values.size() == 2);
        assertThat(fromEnd.values).containsExactlyInAnyOrder("v6", "v7");
    }
}
