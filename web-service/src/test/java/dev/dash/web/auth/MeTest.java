package dev.dash.web.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class MeTest {
    @Test
    void aBearerTokenIdentifiesTheUserAndCreatesTheirRow() {
        String email = Tokens.newUser("me");
        Api.as(email)
                .get("/api/me")
                .then()
                .statusCode(200)
                .body("email", equalTo(email))
                .body("user_id", notNullValue())
                .body("platform_admin", equalTo(false));
        Api.as(Tokens.PLATFORM).get("/api/me").then().statusCode(200).body("platform_admin", equalTo(true));
    }

    @Test
    void withoutATokenTheApiAnswers401NotARedirect() {
        given().redirects().follow(false).get("/api/me").then().statusCode(401);
    }

    @Test
    void aForgedTokenIsRefused() {
        given().auth()
                .oauth2("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
                .get("/api/me")
                .then()
                .statusCode(401);
    }
}
