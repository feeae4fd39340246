package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** The publish event: no object without a recording that enables it, and recorded as before when one does. */
class IngestEventsTest {
    @Test
    void noEventWithoutARecording() {
        assertThat(IngestEvents.publish(100, 18_000)).isNull();
    }

    @Test
    void recordedWhenARecordingEnablesIt() throws Exception {
        Path file = Files.createTempFile("ingest-events", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("dash.ingest.Publish").withThreshold(Duration.ZERO);
            recording.start();
            IngestEvents.Publish event = IngestEvents.publish(100, 18_000);
            assertThat(event).isNotNull();
            event.commit();
            recording.stop();
            recording.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file);
            assertThat(events)
                    .filteredOn(e -> e.getEventType().getName().equals("dash.ingest.Publish"))
                    .singleElement()
                    .satisfies(e -> {
                        assertThat(e.getInt("events")).isEqualTo(100);
                        assertThat(e.getLong("bytes")).isEqualTo(18_000);
                    });
        } finally {
            Files.deleteIfExists(file);
        }
        // The recording closed: none again.
        assertThat(IngestEvents.publish(1, 1)).isNull();
    }
}
