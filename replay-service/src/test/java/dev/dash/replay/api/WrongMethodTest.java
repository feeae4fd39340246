package dev.dash.replay.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.KeycloakTokens;
import dev.dash.model.testing.KeycloakTokens.Demo;
import dev.dash.model.testing.WrongMethodContract;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** A method a path of the replay API does not take gets 405 with {@code Allow} and the JSON error body. */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class WrongMethodTest {
    @TestHTTPResource("/")
    URI base;

    @Test
    void everyPathAnswers405WithAllow() throws Exception {
        assertThat(WrongMethodContract.assertEveryPath(base, KeycloakTokens.of(Demo.OWNER)))
                .contains("GET /api/replays/{replayId}/cancel");
    }
}
