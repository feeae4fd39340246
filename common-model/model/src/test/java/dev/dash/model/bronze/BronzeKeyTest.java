package dev.dash.model.bronze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class BronzeKeyTest {
    static final UUID PIPELINE = UUID.fromString("0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e");

    @Test
    void formatsTheDesignLayoutFromTheFirstEventsUtcHour() {
        BronzeKey key = BronzeKey.forFirstEvent(PIPELINE, Instant.parse("2026-11-21T23:59:59.999Z"), 3, 1234);

        assertThat(key.format())
                .isEqualTo(
                        "bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/hour=23/3-00000000000000001234.jsonl.gz");
        assertThat(BronzeKey.prefix(PIPELINE)).isEqualTo("bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/");
        assertThat(key.format()).startsWith(BronzeKey.prefix(PIPELINE, LocalDate.of(2026, 11, 21)));
    }

    @Test
    void aWritersKeyNamesTheWriterAndAnOlderKeyWithoutOneStillParses() {
        String writer = "00c0ffee1234abcd";
        BronzeKey key = BronzeKey.forFirstEvent(PIPELINE, Instant.parse("2026-11-21T23:59:59.999Z"), 3, 1234, writer);

        assertThat(key.format())
                .isEqualTo("bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/hour=23/"
                        + "3-00000000000000001234-00c0ffee1234abcd.jsonl.gz");
        assertThat(BronzeKey.parse(key.format())).isEqualTo(key);
        BronzeKey older = BronzeKey.parse("bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/"
                + "hour=23/3-00000000000000001234.jsonl.gz");
        assertThat(older.writer()).isNull();
        assertThat(older.startOffset()).isEqualTo(1234);
        // Two writers of the same partition and start offset never share a key.
        assertThat(BronzeKey.forFirstEvent(PIPELINE, Instant.EPOCH, 3, 1234, BronzeKey.newWriter())
                        .format())
                .isNotEqualTo(BronzeKey.forFirstEvent(PIPELINE, Instant.EPOCH, 3, 1234, BronzeKey.newWriter())
                        .format());
        assertThatThrownBy(() -> BronzeKey.forFirstEvent(PIPELINE, Instant.EPOCH, 3, 1, "XYZ"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 500)
    void parseInvertsFormatWithAWriter(
            @ForAll @LongRange(min = 0, max = 253402300799L) long epochSecond,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int partition,
            @ForAll @LongRange(min = 0) long offset) {
        BronzeKey key = BronzeKey.forFirstEvent(
                UUID.randomUUID(), Instant.ofEpochSecond(epochSecond), partition, offset, BronzeKey.newWriter());

        assertThat(BronzeKey.parse(key.format())).isEqualTo(key);
    }

    @Property(tries = 500)
    void parseInvertsFormat(
            @ForAll @LongRange(min = 0, max = 253402300799L) long epochSecond,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int partition,
            @ForAll @LongRange(min = 0) long offset) {
        BronzeKey key =
                BronzeKey.forFirstEvent(UUID.randomUUID(), Instant.ofEpochSecond(epochSecond), partition, offset);

        assertThat(BronzeKey.parse(key.format())).isEqualTo(key);
    }

    @Test
    void keysOfOnePartitionAndHourSortByOffset() {
        String a = new BronzeKey(PIPELINE, LocalDate.of(2026, 1, 1), 5, 2, 99).format();
        String b = new BronzeKey(PIPELINE, LocalDate.of(2026, 1, 1), 5, 2, 100).format();

        assertThat(a).isLessThan(b);
    }

    @Test
    void rejectsWhatIsNotABronzeKey() {
        for (String bad : new String[] {
            "bronze/v2/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/hour=23/3-00000000000000001234.jsonl.gz",
            "bronze/v1/pipeline=0190F4C2-8A5E-7B1C-9D3E-4F5A6B7C8D9E/date=2026-11-21/hour=23/3-00000000000000001234.jsonl.gz",
            "bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-02-30/hour=23/3-00000000000000001234.jsonl.gz",
            "bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/hour=24/3-00000000000000001234.jsonl.gz",
            "bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/hour=23/03-00000000000000001234.jsonl.gz",
            "bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/hour=23/3-1234.jsonl.gz",
            "bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/hour=23/3-99999999999999999999.jsonl.gz",
            "bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/hour=23/3-00000000000000001234.jsonl",
            "bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/hour=23/3-00000000000000001234-abc.jsonl.gz",
            "bronze/v1/pipeline=0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e/date=2026-11-21/hour=23/3-00000000000000001234-00C0FFEE1234ABCD.jsonl.gz",
            "",
        }) {
            assertThat(BronzeKey.tryParse(bad)).as(bad).isEmpty();
            assertThatThrownBy(() -> BronzeKey.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(BronzeKey.tryParse(null)).isEmpty();
    }
}
