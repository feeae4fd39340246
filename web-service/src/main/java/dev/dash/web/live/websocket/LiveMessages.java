package dev.dash.web.live.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.model.api.FieldError;
import dev.dash.web.config.WebConfig;
import dev.dash.web.live.stream.Frames;
import dev.dash.web.live.stream.LiveRange;
import dev.dash.web.live.stream.LiveStreams;
import dev.dash.web.live.stream.Viewer;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a client sends on a live connection (docs/live.md): {@code subscribe} (a range, optionally where to
 * resume) and {@code ping}. A bad message gets an {@code error} frame naming the fields; the connection stays.
 */
@ApplicationScoped
public class LiveMessages {
    private final LiveStreams streams;
    private final ObjectMapper json;
    private final Duration maxRange;

    public LiveMessages(LiveStreams streams, ObjectMapper json, WebConfig web) {
        this.streams = streams;
        this.json = json;
        this.maxRange = web.query().maxRange();
    }

    /** Handles one text message of a registered connection. */
    public Uni<Void> handle(Viewer viewer, String text) {
        viewer.seen();
        JsonNode m;
        try {
            m = json.readTree(text);
        } catch (JsonProcessingException e) {
            return reply(viewer, new Frames.Error("the message is not JSON", List.of()));
        }
        if (m == null || !m.isObject()) {
            return reply(viewer, new Frames.Error("the message must be a JSON object", List.of()));
        }
        String type = m.path("type").asText("");
        return switch (type) {
            case "ping" -> reply(viewer, new Frames.Pong(Instant.now()));
            case "subscribe" -> subscribe(viewer, m);
            default ->
                reply(
                        viewer,
                        new Frames.Error(
                                "unknown message type", List.of(new FieldError("type", "must be subscribe or ping"))));
        };
    }

    private Uni<Void> subscribe(Viewer viewer, JsonNode m) {
        List<FieldError> errors = new ArrayList<>();
        LiveRange range = range(m.path("range"), errors);
        String epoch = null;
        Long seq = null;
        JsonNode resume = m.path("resume");
        if (!resume.isMissingNode() && !resume.isNull()) {
            if (!resume.path("epoch").isTextual()) {
                errors.add(new FieldError("resume.epoch", "must be the epoch of the last frame seen"));
            } else {
                epoch = resume.path("epoch").asText();
            }
            if (!resume.path("seq").canConvertToLong() || resume.path("seq").asLong() < 0) {
                errors.add(new FieldError("resume.seq", "must be the sequence number of the last frame seen"));
            } else {
                seq = resume.path("seq").asLong();
            }
        }
        if (!errors.isEmpty()) {
            return reply(viewer, new Frames.Error("invalid subscription", errors));
        }
        return streams.subscribe(viewer, range, epoch, seq);
    }

    private LiveRange range(JsonNode r, List<FieldError> errors) {
        if (!r.isObject()) {
            errors.add(new FieldError("range", "must be {\"last\": \"PT15M\"} or {\"from\": …, \"to\": …}"));
            return null;
        }
        if (r.has("last")) {
            try {
                Duration last = Duration.parse(r.path("last").asText());
                if (last.isNegative() || last.isZero()) {
                    errors.add(new FieldError("range.last", "must be positive"));
                } else if (last.compareTo(maxRange) > 0) {
                    errors.add(new FieldError("range.last", "may be at most " + maxRange.toDays() + " days"));
                } else if (r.has("from") || r.has("to")) {
                    errors.add(new FieldError("range", "either last, or from and to"));
                } else {
                    return LiveRange.last(last);
                }
            } catch (DateTimeParseException e) {
                errors.add(new FieldError("range.last", "must be an ISO-8601 duration such as PT15M"));
            }
            return null;
        }
        Instant from = instant(r, "from", errors);
        Instant to = instant(r, "to", errors);
        if (from == null || to == null) {
            return null;
        }
        if (!from.isBefore(to)) {
            errors.add(new FieldError("range.from", "must be before to"));
        } else if (Duration.between(from, to).compareTo(maxRange) > 0) {
            errors.add(new FieldError("range.from", "the range may be at most " + maxRange.toDays() + " days"));
        } else {
            return LiveRange.between(from, to);
        }
        return null;
    }

    private static Instant instant(JsonNode r, String field, List<FieldError> errors) {
        try {
            if (r.path(field).isTextual()) {
                return Instant.parse(r.path(field).asText());
            }
        } catch (DateTimeParseException e) {
            // Reported below.
        }
        errors.add(new FieldError("range." + field, "must be an ISO-8601 instant such as 2026-12-05T10:00:00Z"));
        return null;
    }

    private Uni<Void> reply(Viewer viewer, Object frame) {
        try {
            return viewer.connection().sendText(json.writeValueAsString(frame));
        } catch (JsonProcessingException e) {
            Log.warnf("Live reply not written: %s", e.toString());
            return Uni.createFrom().voidItem();
        }
    }
}
