package dev.dash.ingestor.bronze;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The archiver's consumer leaves each record's key as it is (issue-archiver): Bronze never reads it (an event's
 * pipeline is in its metadata), so it is neither copied out of the fetched bytes nor decoded into a string.
 */
class BronzeArchiverKeysTest {
    @Test
    void keysAreNeitherCopiedNorDecoded() {
        ByteBuffer key = ByteBuffer.wrap("0193a1b2-0000-7000-8000-000000000001".getBytes(StandardCharsets.US_ASCII));
        assertThat(BronzeArchiver.KEYS.deserialize("dash.raw", new RecordHeaders(), key))
                .isNull();
        assertThat(key.position()).isZero();
        assertThat(key.remaining()).isEqualTo(36);
        assertThat(BronzeArchiver.KEYS.deserialize("dash.raw", new byte[] {1, 2}))
                .isNull();
    }
}
