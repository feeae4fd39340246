package dev.dash.web.live.websocket;

import dev.dash.web.live.access.LiveAccess;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A public live dashboard opens only with a valid link token: unknown, revoked or expired → 404. The link is
 * looked up through {@link LiveAccess}, which the endpoint's open then finds remembered.
 */
@ApplicationScoped
public class PublicLiveUpgradeCheck implements HttpUpgradeCheck {
    private final LiveAccess access;

    public PublicLiveUpgradeCheck(LiveAccess access) {
        this.access = access;
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return PublicLiveWebSocket.ID.equals(endpointId);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        return access.link(context.pathParam("token"))
                .flatMap(l -> l == null ? CheckResult.rejectUpgrade(404) : CheckResult.permitUpgrade())
                .onFailure()
                .recoverWithUni(e -> CheckResult.rejectUpgrade(404));
    }
}
