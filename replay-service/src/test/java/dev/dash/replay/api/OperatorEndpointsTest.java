package dev.dash.replay.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.dash.model.testing.DashTestResource;
import dev.dash.replay.JobsProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Production's operator endpoints (docs/deployment.md): with {@code dash.ops.token} set, {@code /q/metrics},
 * {@code /q/openapi} and the Swagger UI answer only to that token as a Basic password (a JSON 401 otherwise) while health
 * stays open; every answer, refusals of the HTTP layer included, has the security headers and, for 401, the
 * JSON ApiError body. The token comes from {@link JobsProfile}, the profile shared with the replay job test (one
 * application build for both).
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(JobsProfile.class)
class OperatorEndpointsTest {
    static final String TOKEN = JobsProfile.OPS_TOKEN;

    @Test
    void operatorEndpointsNeedTheTokenAndHealthDoesNot() {
        for (String path : List.of("/q/metrics", "/q/openapi", "/q/swagger-ui/")) {
            given().get(path)
                    .then()
                    .statusCode(401)
                    .contentType(ContentType.JSON)
                    .header("WWW-Authenticate", "Basic realm=\"dash-ops\"")
                    .body("status", equalTo(401))
                    .body("error", equalTo("unauthorized"));
            given().auth().preemptive().basic("ops", "wrong").get(path).then().statusCode(401);
            given().header("Authorization", "Bearer " + TOKEN).get(path).then().statusCode(401);
            given().auth().preemptive().basic("ops", TOKEN).get(path).then().statusCode(200);
        }
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void refusalsOfTheHttpLayerAreJsonWithSecurityHeaders() {
        List<Response> answers = List.of(
                given().header("Authorization", "Bearer not-a-token")
                        .get("/api/replays/00000000-0000-4000-8000-000000000000"),
                given().get("/api/replays/00000000-0000-4000-8000-000000000000"),
                given().get("/nowhere"),
                given().get("/q/health/live"));
        for (Response r : answers) {
            r.then()
                    .header("Content-Security-Policy", containsString("default-src 'none'"))
                    .header("X-Frame-Options", "DENY")
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Referrer-Policy", "same-origin")
                    .header("Strict-Transport-Security", nullValue());
        }
        answers.get(0).then().statusCode(401).contentType(ContentType.JSON).body("error", equalTo("unauthorized"));
        answers.get(1).then().statusCode(401).contentType(ContentType.JSON).body("status", equalTo(401));
        given().header("X-Forwarded-Proto", "https")
                .get("/q/health/live")
                .then()
                .header("Strict-Transport-Security", containsString("max-age="));
        given().header("X-Padding", "a".repeat(20_000))
                .get("/q/health/live")
                .then()
                .statusCode(431)
                .contentType(ContentType.JSON)
                .body("error", equalTo("headers_too_large"));
    }
}
