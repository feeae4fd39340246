package dev.dash.web.live.websocket;

import dev.dash.web.dashboard.DashboardService;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** A public live dashboard opens only with a valid link token: unknown, revoked or expired → 404. */
@ApplicationScoped
public class PublicLiveUpgradeCheck implements HttpUpgradeCheck {
    private final DashboardService dashboards;

    public PublicLiveUpgradeCheck(DashboardService dashboards) {
        this.dashboards = dashboards;
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return PublicLiveWebSocket.ID.equals(endpointId);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        return dashboards
                .byToken(context.pathParam("token"))
                .flatMap(d -> CheckResult.permitUpgrade())
                .onFailure()
                .recoverWithUni(e -> CheckResult.rejectUpgrade(404));
    }
}
