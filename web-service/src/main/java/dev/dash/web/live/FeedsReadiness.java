package dev.dash.web.live;

import dev.dash.model.kafka.TopicNames;
import dev.dash.web.live.points.PointsFeed;
import dev.dash.web.replay.ReplayFeed;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN until this node reads the end of {@code dash.points} and {@code dash.replays}: a node that took viewers
 * before its feeds were positioned would send them a snapshot and then miss the points written meanwhile (they
 * are in Silver, but the viewer already has its snapshot), until the next snapshot. Both feeds start at the end
 * of their topics, so once positioned nothing later is missed.
 */
@Readiness
@ApplicationScoped
public class FeedsReadiness implements HealthCheck {
    private final PointsFeed points;
    private final ReplayFeed replays;
    private final TopicNames topics;

    public FeedsReadiness(PointsFeed points, ReplayFeed replays, TopicNames topics) {
        this.points = points;
        this.replays = replays;
        this.topics = topics;
    }

    @Override
    public HealthCheckResponse call() {
        boolean p = points.reading();
        boolean r = replays.reading();
        return HealthCheckResponse.named("Live feeds")
                .status(p && r)
                .withData(topics.points(), p ? "reading" : "positioning")
                .withData(topics.replays(), r ? "reading" : "positioning")
                .build();
    }
}
