package dev.dash.web.live.websocket;

import dev.dash.model.api.ApiException;
import dev.dash.web.live.access.PublicLinks;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A public live dashboard opens only with a valid link token: unknown, revoked or expired → 404. A lookup that
 * fails for another reason (the database unreachable for a moment) → 503, not 404: the link may well be valid, and a
 * client that took 404 as "revoked" would give up on it. The link is looked up through {@link PublicLinks}, where the
 * endpoint's open then finds it.
 */
@ApplicationScoped
public class PublicLiveUpgradeCheck implements HttpUpgradeCheck {
    private final PublicLinks links;

    public PublicLiveUpgradeCheck(PublicLinks links) {
        this.links = links;
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return PublicLiveWebSocket.ID.equals(endpointId);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        return links.dashboard(context.pathParam("token"))
                .flatMap(d -> CheckResult.permitUpgrade())
                .onFailure()
                .recoverWithUni(e -> CheckResult.rejectUpgrade(e instanceof ApiException ? 404 : 503));
    }
}
