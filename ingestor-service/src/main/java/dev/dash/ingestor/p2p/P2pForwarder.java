package dev.dash.ingestor.p2p;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dash.ingestor.poll.RecordPublisher;
import dev.dash.model.json.Json;
import dev.dash.model.kafka.PointsBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-record logic of p2p forwarding, apart from the consumer loop (so it can move onto a shared consumer
 * runtime): which p2p pipelines a points batch feeds, and the input events they get. Only points of the source
 * pipeline's active mapping version are forwarded (during a replay's dual write the pending version's points
 * are left out). Each point becomes one JSON event with the delivery id
 * {@code p2p:<event id>:<mapping version>:<seq>}, so a redelivered batch is deduplicated like a webhook retry.
 */
public final class P2pForwarder {
    private P2pForwarder() {}

    /**
     * The events of one batch for one p2p pipeline.
     *
     * @param route the p2p pipeline
     * @param items its input events
     */
    public record Forward(P2pRoute route, List<RecordPublisher.Item> items) {}

    /**
     * What a batch feeds.
     *
     * @param batch the source pipeline's points
     * @param routes the p2p pipelines fed by that pipeline
     * @param activeVersion the source pipeline's active mapping version, or null to take every point
     * @return one entry per p2p pipeline that gets at least one event
     */
    public static List<Forward> forward(PointsBatch batch, List<P2pRoute> routes, Integer activeVersion) {
        List<Forward> out = new ArrayList<>();
        if (routes == null || routes.isEmpty()) {
            return out;
        }
        for (P2pRoute route : routes) {
            List<RecordPublisher.Item> items = new ArrayList<>();
            for (PointsBatch.Point p : batch.points()) {
                if (activeVersion != null && p.mappingVersion() != activeVersion) {
                    continue;
                }
                if (!route.accepts(p)) {
                    continue;
                }
                items.add(new RecordPublisher.Item(
                        "p2p:" + p.eventId() + ":" + p.mappingVersion() + ":" + p.seq(), event(batch, p)));
            }
            if (!items.isEmpty()) {
                out.add(new Forward(route, items));
            }
        }
        return out;
    }

    /**
     * A point as the p2p pipeline's input event: {@code time}, {@code metric}, {@code labels}, {@code value},
     * and where it came from.
     */
    static byte[] event(PointsBatch batch, PointsBatch.Point p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.factory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", p.time().toString());
            g.writeStringField("metric", p.metric());
            g.writeObjectFieldStart("labels");
            Map<String, String> labels = p.labels() == null ? Map.of() : new LinkedHashMap<>(p.labels());
            for (Map.Entry<String, String> l : labels.entrySet()) {
                g.writeStringField(l.getKey(), l.getValue());
            }
            g.writeEndObject();
            g.writeNumberField("value", p.value());
            g.writeStringField("source_pipeline_id", batch.pipelineId().toString());
            g.writeStringField("source_event_id", p.eventId().toString());
            g.writeNumberField("seq", p.seq());
            g.writeNumberField("mapping_version", p.mappingVersion());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
