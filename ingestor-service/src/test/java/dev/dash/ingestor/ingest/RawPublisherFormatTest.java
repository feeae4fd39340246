package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code dash.ingest.raw-format}: every format a rolling upgrade may need (docs/architecture.md, "The dash.raw
 * record": 1 and 2 while older consumers remain, 3 by default) is accepted at start-up, anything else refused with the
 * setting's name.
 */
class RawPublisherFormatTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void everyWrittenFormatIsAccepted(int format) {
        assertThat(RawPublisher.writableFormat(format)).isEqualTo(format);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4, -1})
    void anyOtherIsRefusedWithTheSettingsName(int format) {
        assertThatThrownBy(() -> RawPublisher.writableFormat(format))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dash.ingest.raw-format must be 1, 2 or 3, not " + format);
    }
}
