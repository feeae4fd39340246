package dev.dash.web.poll;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.poll.SourceConfigException;
import dev.dash.model.poll.SourceSpec;
import dev.dash.model.poll.UrlGuard;
import dev.dash.web.api.Checks;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks a pipeline's source when it is saved: a polling pipeline's {@code source_config} is parsed as the
 * ingestors will parse it (so a configuration they cannot poll is refused now, with the field named), its
 * URLs under the destination policy; a p2p pipeline's optional filter must be {@code metrics} (names) and
 * {@code labels} (names to values).
 */
@ApplicationScoped
public class SourceChecks {
    private final UrlGuard guard;

    public SourceChecks(WebPollConfig config) {
        this.guard = new UrlGuard(config.allowedDestinations().orElse(List.of()));
    }

    /** The destination policy. */
    public UrlGuard guard() {
        return guard;
    }

    /** Adds the problems of a pipeline's source to {@code c}. */
    public void check(Checks c, String type, String sourceType, JsonNode sourceConfig) {
        if ("polling".equals(type)) {
            if (sourceType == null || sourceConfig == null || !sourceConfig.isObject()) {
                return;
            }
            try {
                SourceSpec.parse(sourceType, sourceConfig, guard);
            } catch (SourceConfigException e) {
                c.fail(e.field(), e.reason());
            }
        } else if ("p2p".equals(type)) {
            if (sourceType != null) {
                c.fail("source_type", "is not used by a p2p pipeline (its source is source_pipeline_id)");
            }
            if (sourceConfig == null || !sourceConfig.isObject()) {
                return;
            }
            for (Iterator<String> it = sourceConfig.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("metrics") && !f.equals("labels")) {
                    c.fail("source_config." + f, "is not a p2p filter field (metrics, labels)");
                }
            }
            JsonNode m = sourceConfig.get("metrics");
            if (m != null && !m.isNull()) {
                boolean ok = m.isArray();
                for (JsonNode n : m) {
                    ok &= n.isTextual() && !n.asText().isEmpty();
                }
                if (!ok) {
                    c.fail("source_config.metrics", "must be a list of metric names");
                }
            }
            JsonNode l = sourceConfig.get("labels");
            if (l != null && !l.isNull()) {
                boolean ok = l.isObject();
                for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
                    ok &= it.next().getValue().isTextual();
                }
                if (!ok) {
                    c.fail("source_config.labels", "must map label names to text values");
                }
            }
        }
    }
}
