package dev.dash.web.live.access;

import dev.dash.web.dashboard.DashboardService;
import dev.dash.web.dashboard.Dashboards.Dashboard;
import dev.dash.web.live.LiveConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HexFormat;

/**
 * A public link's dashboard as live connects look it up (docs/live.md, "Connects"): the upgrade check and the
 * endpoint's open of one connect, and every other connect with the same link within {@code dash.live.access-cache},
 * share one lookup; connects arriving while it is read wait for the same read. Unknown, revoked and expired links
 * are not remembered; the access check of open connections forgets a link it finds revoked.
 */
@ApplicationScoped
public class PublicLinks {
    private static final int MAX_LINKS = 100_000;

    private final AccessCache<String, Dashboard> links;

    public PublicLinks(DashboardService dashboards, LiveConfig config) {
        this.links = new AccessCache<>(
                hash -> dashboards.byTokenHash(HexFormat.of().parseHex(hash)),
                config.accessCache().toNanos(),
                MAX_LINKS);
    }

    /** The token's hash in hex, as viewers and the access check name a link. */
    public static String hash(String token) {
        return HexFormat.of().formatHex(DashboardService.hash(token));
    }

    /** The dashboard of a valid public token; fails (as {@link DashboardService#byToken} does) for another. */
    public Uni<Dashboard> dashboard(String token) {
        return links.get(hash(token));
    }

    /** A link found revoked or expired: the next connect with it asks the database. */
    public void forget(String tokenHash) {
        links.forget(tokenHash);
    }
}
