package dev.dash.web.live.stream;

import dev.dash.model.api.FieldError;
import dev.dash.web.query.QueryService.Series;
import dev.dash.web.query.QueryService.SeriesResult;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The server's frames of the live protocol (docs/live.md), written as snake_case JSON without nulls. */
public final class Frames {
    private Frames() {}

    /** What a frame of a dashboard stream is. */
    public sealed interface Frame permits Snapshot, Delta, DropBefore, Annotation, Heartbeat {}

    /** The kinds of annotation a chart can draw as a marker. */
    public enum AnnotationKind {
        mapping_activated,
        replay_started,
        replay_succeeded,
        replay_failed
    }

    public record Range(Instant from, Instant to) {}

    /** A widget's whole data for the subscribed range: exactly the data endpoint's answer. */
    public record Snapshot(String type, String epoch, long seq, UUID widgetId, Range range, SeriesResult data)
            implements Frame {
        Snapshot(String epoch, long seq, UUID widgetId, SeriesResult data) {
            this("snapshot", epoch, seq, widgetId, new Range(data.from(), data.to()), data);
        }
    }

    /**
     * Whole buckets after merging: each replaces the client's bucket at its time for its label set. {@code
     * dropBefore}, when present, is a slide of a relative range folded into the delta: after merging the buckets,
     * the client drops those before it (as a {@link DropBefore} frame would).
     */
    public record Delta(
            String type,
            String epoch,
            long seq,
            UUID widgetId,
            Integer mappingVersion,
            Instant dropBefore,
            List<Series> series)
            implements Frame {
        Delta(String epoch, long seq, UUID widgetId, Integer mappingVersion, Instant dropBefore, List<Series> series) {
            this("delta", epoch, seq, widgetId, mappingVersion, dropBefore, series);
        }
    }

    /**
     * Buckets before {@code t} slid out of a relative range; sent on its own only when the widget has no delta to
     * carry the slide ({@link Delta#dropBefore}).
     */
    public record DropBefore(String type, String epoch, long seq, UUID widgetId, Instant t) implements Frame {
        DropBefore(String epoch, long seq, UUID widgetId, Instant t) {
            this("drop_before", epoch, seq, widgetId, t);
        }
    }

    public record Annotation(
            String type,
            String epoch,
            long seq,
            UUID pipelineId,
            Instant t,
            AnnotationKind kind,
            String text,
            Integer mappingVersion)
            implements Frame {
        Annotation(String epoch, long seq, UUID pipelineId, Instant t, AnnotationKind kind, String text, Integer v) {
            this("annotation", epoch, seq, pipelineId, t, kind, text, v);
        }
    }

    public record Heartbeat(String type, String epoch, long seq, Instant t) implements Frame {
        Heartbeat(String epoch, long seq, Instant t) {
            this("heartbeat", epoch, seq, t);
        }
    }

    /** The answer to a client's {@code ping}; outside the stream, so without a sequence number. */
    public record Pong(String type, Instant t) {
        public Pong(Instant t) {
            this("pong", t);
        }
    }

    /**
     * A widget whose snapshot could not be read (the database failed every try, docs/live.md): sent with the
     * snapshots in place of the widget's, at the same {@code seq}. The widget shows no data until its snapshot
     * comes as a stream frame, which the stream keeps trying to read.
     */
    public record WidgetError(String type, String error, String epoch, long seq, UUID widgetId, String message) {
        WidgetError(String epoch, long seq, UUID widgetId) {
            this(
                    "error",
                    "snapshot_unavailable",
                    epoch,
                    seq,
                    widgetId,
                    "the widget's data could not be read; its snapshot follows as soon as it can be read");
        }
    }

    /**
     * The viewer's stream could not be opened (its dashboard's widgets changed and the dashboard could not be read
     * for the new stream): the connection is closed next (1013), and the client reconnects.
     */
    public record StreamError(String type, String error, String message) {
        StreamError() {
            this("error", "stream_unavailable", "the dashboard's live stream could not be opened; reconnecting");
        }
    }

    /** A refused client message; the connection stays open. */
    public record Error(String type, String error, String message, List<FieldError> fields) {
        public Error(String message, List<FieldError> fields) {
            this("error", "invalid_request", message, fields);
        }
    }
}
