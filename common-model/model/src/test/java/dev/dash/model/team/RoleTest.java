package dev.dash.model.team;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.api.ApiException;
import org.junit.jupiter.api.Test;

/** The one team-role rule shared by web-service's {@code Access} and replay-service's {@code Caller}. */
class RoleTest {
    @Test
    void noMembershipIsNotFoundSoIdsOfOtherTeamsDoNotLeak() {
        assertThatThrownBy(() -> Role.require(null, Role.VIEWER, "pipeline"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.body().status()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("pipeline");
                });
    }

    @Test
    void aRoleBelowTheNeededOneIsForbidden() {
        assertThatThrownBy(() -> Role.require("member", Role.ADMIN, "replay"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.body().status()).isEqualTo(403);
                    assertThat(e.getMessage()).isEqualTo("this needs the role admin or higher in the team");
                });
    }

    @Test
    void theNeededRoleAndEveryHigherOnePass() {
        for (Role min : Role.values()) {
            for (Role held : Role.values()) {
                if (held.atLeast(min)) {
                    assertThat(Role.require(held.dbName(), min, "team")).isEqualTo(held);
                } else {
                    assertThatThrownBy(() -> Role.require(held.dbName(), min, "team"))
                            .isInstanceOf(ApiException.class);
                }
            }
        }
        assertThat(Role.NAMES).containsExactlyInAnyOrder("owner", "admin", "member", "viewer");
    }
}
