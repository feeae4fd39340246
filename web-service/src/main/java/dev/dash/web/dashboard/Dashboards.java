package dev.dash.web.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The dashboard API's messages. */
public final class Dashboards {
    private Dashboards() {}

    public static final List<String> WIDGET_TYPES = List.of("table", "line_chart", "bar_chart", "stat_card");

    public record DashboardInput(String name, String slug, JsonNode layout, Integer refreshIntervalSeconds) {}

    public record Widget(
            UUID id,
            UUID dashboardId,
            String type,
            String title,
            JsonNode config,
            JsonNode position,
            JsonNode dataQuery) {}

    /**
     * A widget; {@code dataQuery} is {@code {"pipeline_id", "metric", "aggregation", "labels", "bucket"}}.
     */
    public record WidgetInput(String type, String title, JsonNode config, JsonNode position, JsonNode dataQuery) {}

    /**
     * @param publicLink whether a public link is active, and until when
     */
    public record Dashboard(
            UUID id,
            UUID teamId,
            String name,
            String slug,
            boolean isPublic,
            Instant publicLinkExpiresAt,
            JsonNode layout,
            int refreshIntervalSeconds,
            List<Widget> widgets,
            Instant insertedAt,
            Instant updatedAt) {}

    public record PublicLinkRequest(Integer expiresInDays) {}

    /** The token is shown once; only its SHA-256 is stored. */
    public record PublicLink(String token, String url, Instant expiresAt) {}

    /** A time range for widget data. */
    public record DataRequest(Instant from, Instant to, String bucket) {}
}
