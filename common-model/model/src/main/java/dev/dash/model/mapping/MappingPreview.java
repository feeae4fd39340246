package dev.dash.model.mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Applies a mapping to sample events and reports, per event, the points it would give or why it would go
 * to quarantine: the same engine as live ingest, so the preview is what the pipeline will do.
 */
public final class MappingPreview {
    private MappingPreview() {}

    /**
     * One sample's outcome.
     *
     * @param eventId the sample's event id, or null
     * @param result what mapping it gave
     */
    public record Entry(UUID eventId, MappingResult result) {}

    /**
     * A preview over samples.
     *
     * @param entries one per sample, in order
     * @param mapped samples that mapped without error
     * @param quarantined samples that would go to quarantine
     * @param points total points
     */
    public record Report(List<Entry> entries, int mapped, int quarantined, int points) {}

    /**
     * Maps every sample.
     *
     * @param mapping the compiled mapping
     * @param samples the events
     * @return the report
     */
    public static Report preview(CompiledMapping mapping, List<EventInput> samples) {
        List<Entry> entries = new ArrayList<>(samples.size());
        int mapped = 0;
        int points = 0;
        for (EventInput sample : samples) {
            MappingResult r = mapping.apply(sample);
            entries.add(new Entry(sample.eventId(), r));
            if (r.ok()) {
                mapped++;
                points += r.points().size();
            }
        }
        return new Report(List.copyOf(entries), mapped, samples.size() - mapped, points);
    }
}
