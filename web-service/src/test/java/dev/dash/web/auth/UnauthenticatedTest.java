package dev.dash.web.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every operation of the OpenAPI document refuses a call without credentials (401, the error shape, no
 * redirect), so an endpoint added later is covered without touching this test. Only the public dashboard
 * paths are open by design.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class UnauthenticatedTest {
    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

    @Test
    void everyOperationRefusesAnAnonymousCall() {
        JsonPath doc = given().accept(ContentType.JSON)
                .get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        Map<String, Map<String, Object>> paths = doc.getMap("paths");
        List<String> checked = new ArrayList<>();
        List<String> open = new ArrayList<>();
        paths.forEach((path, operations) -> operations.keySet().stream()
                .filter(METHODS::contains)
                .forEach(method -> {
                    String url = path.replaceAll("\\{version}", "1")
                            .replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
                    String call = method.toUpperCase() + " " + path;
                    if (path.startsWith("/public/")) {
                        open.add(call);
                        return;
                    }
                    Response r = given().redirects()
                            .follow(false)
                            .contentType(ContentType.JSON)
                            .body("{}")
                            .request(method.toUpperCase(), url);
                    assertThat(r.statusCode()).as(call).isEqualTo(401);
                    assertThat(r.jsonPath().getString("error")).as(call).isEqualTo("unauthorized");
                    checked.add(call);
                }));
        assertThat(checked).as("API operations found in the OpenAPI document").hasSizeGreaterThan(10);
        assertThat(open).allMatch(c -> c.contains("/public/dashboards/"));
    }

    @Test
    void theBrowserLoginRedirectsToKeycloak() {
        Response r = given().redirects().follow(false).get("/login");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.header("Location"))
                .contains("/realms/dash/protocol/openid-connect/auth")
                .contains("client_id=dash-web");
    }
}
