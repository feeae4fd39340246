package dev.dash.model.kafka.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The offsets a put leaves for the commit: written once per run of a partition's records, as once per record. */
class ConsumerRuntimeOffsetsTest {
    @Test
    void eachPartitionsOffsetIsTheOneAfterItsLastRecord() {
        Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
        consumed.put(new TopicPartition("t", 9), new OffsetAndMetadata(3));
        ConsumerRuntime.lastOffsets(
                List.of(record("t", 0, 1), record("t", 0, 2), record("t", 1, 5), record("u", 1, 7), record("t", 0, 3)),
                consumed);
        assertThat(consumed)
                .containsOnly(
                        Map.entry(new TopicPartition("t", 0), new OffsetAndMetadata(4)),
                        Map.entry(new TopicPartition("t", 1), new OffsetAndMetadata(6)),
                        Map.entry(new TopicPartition("u", 1), new OffsetAndMetadata(8)),
                        Map.entry(new TopicPartition("t", 9), new OffsetAndMetadata(3)));
    }

    @Test
    void theSameMapAsOnePutPerRecord() {
        Random random = new Random(19);
        for (int round = 0; round < 500; round++) {
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long[] next = new long[4];
            int n = random.nextInt(40);
            for (int i = 0; i < n; i++) {
                int p = random.nextInt(next.length);
                // runs of a partition's records, as a poll returns them, and now and then one out of turn
                int run = 1 + random.nextInt(5);
                for (int j = 0; j < run; j++) {
                    records.add(record(p % 2 == 0 ? "raw" : "other", p, next[p]++));
                }
            }
            Map<TopicPartition, OffsetAndMetadata> expected = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                expected.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
            }
            Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
            ConsumerRuntime.lastOffsets(records, consumed);
            assertThat(consumed).isEqualTo(expected);
        }
    }

    private static ConsumerRecord<String, byte[]> record(String topic, int partition, long offset) {
        return new ConsumerRecord<>(topic, partition, offset, null, new byte[0]);
    }
}
