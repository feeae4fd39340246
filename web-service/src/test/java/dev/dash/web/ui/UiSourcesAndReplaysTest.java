package dev.dash.web.ui;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.WaitForSelectorState;
import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.ReplayServiceResource;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The pipeline screens added for issue 15's remaining points, in headless Chromium against the real service,
 * Keycloak, PostgreSQL, Kafka and replay-service (its packaged jar, jobs off): polled and p2p pipelines
 * created and edited in the form with the API's field errors at their fields, the pipelines list's rate and
 * last event, replaying quarantined events and cancelling replays from the pipeline page (and a viewer who
 * sees none of it), one "Live" on a dashboard and a stat card without a made-up change. WireMock stands in
 * for the polled third-party API. Screenshots in target/screenshots (3x-*.png).
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(ReplayServiceResource.Profile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UiSourcesAndReplaysTest {
    @TestHTTPResource("/")
    URL url;

    private Ui ui;
    private WireMockServer source;

    private Ui ui() {
        if (ui == null) {
            ui = new Ui(url.getPort());
        }
        return ui;
    }

    @BeforeAll
    void startSource() {
        source = new WireMockServer(options().dynamicPort());
        source.start();
        source.stubFor(
                get(urlPathEqualTo("/readings"))
                        .willReturn(
                                aResponse()
                                        .withHeader("Content-Type", "application/json")
                                        .withBody(
                                                "{\"data\": [{\"id\": 1, \"temp\": 20.5}, {\"id\": 2, \"temp\": 21}], \"next\": null}")));
    }

    @AfterAll
    void stop() {
        if (ui != null) {
            ui.close();
        }
        source.stop();
    }

    /** Collects refusals by the content security policy: there must be none. */
    private static List<String> cspErrors(Page page) {
        List<String> errors = new ArrayList<>();
        page.onConsoleMessage(m -> {
            if (m.type().equals("error") && m.text().contains("Content Security Policy")) {
                errors.add(m.text());
            }
        });
        return errors;
    }

    private static String error(Page page, String field) {
        Locator control = page.locator("#pipeline-form [data-field='" + field + "']");
        return page.locator("#" + control.getAttribute("id") + "-err").textContent();
    }

    @Test
    void anOwnerCreatesAndEditsAPolledAndAP2pPipelineWithErrorsAtTheirFields() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String t = team.id().toString();
        try (BrowserContext ctx = ui().context()) {
            Page page = ui().signIn(ctx, Tokens.OWNER, "/t/" + t + "/pipelines");
            List<String> csp = cspErrors(page);
            page.getByText("No pipelines yet").waitFor();

            // A polled API: a loopback URL is refused by the server, under the URL field.
            page.locator("#new-pipeline").click();
            page.locator("#pipeline-type").selectOption("polling");
            page.locator("#pipeline-form [data-field=name]").fill("Readings API");
            page.locator("#pipeline-form [data-field='source_config.url']").fill("http://127.0.0.1:9/readings");
            page.locator("#pipeline-form [data-field='source_config.auth.type']")
                    .selectOption("bearer");
            page.locator("#pipeline-form button[type=submit]").click();
            page.locator("#pipeline-form [data-field='source_config.url'][aria-invalid=true]")
                    .waitFor();
            assertThat(error(page, "source_config.url")).contains("loopback");
            Ui.shot(page, "30-polling-form-error");
            assertThat(Db.count("SELECT count(*) FROM pipelines WHERE team_id = ?", team.id()))
                    .isZero();

            // The source's URL is fine now; the bearer token is missing: said under the token.
            String api = "http://localhost:" + source.port() + "/readings";
            page.locator("#pipeline-form [data-field='source_config.url']").fill(api);
            page.locator("#pipeline-form button[type=submit]").click();
            page.locator("#pipeline-form [data-field='source_config.auth.token'][aria-invalid=true]")
                    .waitFor();
            assertThat(error(page, "source_config.auth.token")).contains("required");
            assertThat(error(page, "source_config.url")).isEmpty();

            // A header line the form cannot read is refused before anything is sent.
            page.locator("#pipeline-form [data-field='source_config.headers']").fill("no colon here");
            page.locator("#pipeline-form [data-field='source_config.auth.token']")
                    .fill("s3cret-token");
            page.locator("#pipeline-form button[type=submit]").click();
            page.locator("#pipeline-form [data-field='source_config.headers'][aria-invalid=true]")
                    .waitFor();
            assertThat(Db.count("SELECT count(*) FROM pipelines WHERE team_id = ?", team.id()))
                    .isZero();

            page.locator("#pipeline-form [data-field='source_config.headers']").fill("Accept: application/json");
            page.locator("#pipeline-form [data-field='source_config.records']").fill("$.data[*]");
            page.locator("#pipeline-form [data-field=interval_seconds]").fill("30");
            page.locator("#pipeline-form [data-field='source_config.pagination.type']")
                    .selectOption("cursor");
            page.locator("#pipeline-form [data-field='source_config.pagination.cursor_path']")
                    .fill("$.next");
            page.locator("#pipeline-form [data-field='source_config.pagination.param']")
                    .fill("cursor");
            page.locator("#pipeline-form button[type=submit]").click();
            page.locator("#source-url").waitFor();
            assertThat(page.locator("#source-url").textContent()).isEqualTo(api);
            assertThat(page.locator("#source").textContent())
                    .contains("every 30 s")
                    .contains("bearer")
                    .contains("cursor");
            page.locator("#polling").waitFor();
            UUID polled = UUID.fromString(page.url().replaceAll(".*/pipelines/([0-9a-f-]{36}).*", "$1"));
            Ui.shot(page, "31-polled-pipeline");

            // Edit: the form comes back filled in; the dry run fetches the first page; the interval changes.
            page.locator("#edit-settings").click();
            assertThat(page.locator("#pipeline-form [data-field='source_config.url']")
                            .inputValue())
                    .isEqualTo(api);
            assertThat(page.locator("#pipeline-form [data-field='source_config.auth.token']")
                            .inputValue())
                    .isEqualTo("s3cret-token");
            page.locator("#pipeline-form [data-field=interval_seconds]").fill("120");
            page.locator("#test-source").click();
            page.locator("#source-test .callout").waitFor();
            assertThat(page.locator("#source-test").textContent())
                    .contains("HTTP 200")
                    .contains("2 records");
            Ui.shot(page, "32-polled-pipeline-edit");
            page.locator("#pipeline-form button[type=submit]").click();
            page.locator("#pipeline-form")
                    .waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.DETACHED));
            page.getByText("every 120 s").waitFor();
            assertThat(Db.count(
                            "SELECT count(*) FROM pipelines WHERE id = ? AND interval_seconds = 120 AND source_type = 'http'",
                            polled))
                    .isEqualTo(1);
            // An interval the API refuses: its reason under the interval.
            page.locator("#edit-settings").click();
            page.locator("#pipeline-form [data-field=interval_seconds]").fill("0");
            page.locator("#pipeline-form button[type=submit]").click();
            page.locator("#pipeline-form [data-field=interval_seconds][aria-invalid=true]")
                    .waitFor();
            assertThat(error(page, "interval_seconds")).isNotEmpty();
            page.keyboard().press("Escape");
            assertThat(Db.count("SELECT count(*) FROM pipelines WHERE id = ? AND interval_seconds = 120", polled))
                    .isEqualTo(1);

            // A p2p pipeline from the polled one: without a source the API says so under the select.
            page.navigate(ui().base + "/#/t/" + t + "/pipelines");
            page.locator("#new-pipeline").click();
            page.locator("#pipeline-type").selectOption("p2p");
            page.locator("#pipeline-form [data-field=name]").fill("Readings, roof only");
            page.locator("#pipeline-form button[type=submit]").click();
            page.locator("#pipeline-form [data-field=source_pipeline_id][aria-invalid=true]")
                    .waitFor();
            assertThat(error(page, "source_pipeline_id")).contains("required");
            page.locator("#pipeline-form [data-field=source_pipeline_id]").selectOption(polled.toString());
            page.locator("#pipeline-form [data-field='source_config.metrics']").fill("temp, hum");
            page.locator("#pipeline-form [data-field='source_config.labels']").fill("site=roof");
            Ui.shot(page, "33-p2p-form");
            page.locator("#pipeline-form button[type=submit]").click();
            page.locator("#source").waitFor();
            assertThat(page.locator("#source").textContent())
                    .contains("temp, hum")
                    .contains("site=roof");
            UUID p2p = UUID.fromString(page.url().replaceAll(".*/pipelines/([0-9a-f-]{36}).*", "$1"));
            assertThat(Db.count(
                            "SELECT count(*) FROM pipelines WHERE id = ? AND type = 'p2p' AND source_pipeline_id = ?",
                            p2p,
                            polled))
                    .isEqualTo(1);

            // The list: events per minute and the last event, as the Silver writers record them.
            Db.update("""
                    INSERT INTO pipeline_ingest_stats (pipeline_id, last_event_at, minute, minute_events, prev_minute_events)
                    VALUES (?, now() - interval '20 seconds', date_trunc('minute', now()), 4, 42)
                    """, polled);
            page.navigate(ui().base + "/#/t/" + t + "/pipelines");
            Locator rate = page.locator("td.rate[data-pipeline='" + polled + "']");
            Locator last = page.locator("td.last-event[data-pipeline='" + p2p + "']");
            page.locator("td.rate[data-pipeline='" + p2p + "'][data-value]").waitFor();
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(
                            () -> assertThat(rate.textContent()).isIn("42", "4")); // 4 once the minute has turned
            assertThat(page.locator("td.last-event[data-pipeline='" + polled + "']")
                            .textContent())
                    .contains("ago");
            assertThat(last.textContent()).isEqualTo("never");
            assertThat(page.locator("td.rate[data-pipeline='" + p2p + "']").textContent())
                    .isEqualTo("0");
            Ui.shot(page, "34-pipelines-activity");
            assertThat(csp).isEmpty();
        }
    }

    @Test
    void anAdminReplaysQuarantinedEventsAndCancelsReplaysAViewerSeesNoneOfIt() {
        Api.Team team = Api.demoTeam();
        String t = team.id().toString();
        UUID p = Api.activePipeline(team);
        for (int i = 0; i < 3; i++) {
            Db.update("""
                    INSERT INTO quarantine (pipeline_id, team_id, event_id, mapping_version, received_at, errors,
                        kafka_partition, kafka_offset)
                    VALUES (?, ?, gen_random_uuid(), 1, now() - make_interval(secs => ?),
                        '[{"field": "/t", "code": "missing", "reason": "no value at /t"}]', 0, ?)
                    """, p, team.id(), i * 10, (long) i);
        }
        try (BrowserContext ctx = ui().context()) {
            Page page = ui().signIn(ctx, Tokens.ADMIN, "/t/" + t + "/pipelines/" + p);
            List<String> csp = cspErrors(page);
            page.getByText("No replays yet").waitFor();
            page.locator("#replays").scrollIntoViewIfNeeded();
            Ui.shot(page, "35-replays-empty");

            page.locator("#replay-quarantine").click();
            page.locator("#confirm-replay-quarantine").click();
            page.locator("#replay-open[data-state=queued]").waitFor();
            assertThat(page.locator("#replay-open").textContent()).contains("Quarantined events → v1");
            page.locator("#replays").scrollIntoViewIfNeeded();
            Ui.shot(page, "36-replay-quarantine-queued");
            assertThat(Db.count(
                            "SELECT count(*) FROM replays WHERE pipeline_id = ? AND kind = 'quarantine' AND state = 'queued'",
                            p))
                    .isEqualTo(1);

            page.locator("#cancel-replay").click();
            page.locator("#confirm-cancel-replay").click();
            page.locator("#replay-open").waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.DETACHED));
            assertThat(page.locator("#replay-history tbody tr").first().textContent())
                    .contains("cancelled");
            assertThat(Db.count(
                            "SELECT count(*) FROM replays WHERE pipeline_id = ? AND kind = 'quarantine' AND state = 'cancelled'",
                            p))
                    .isEqualTo(1);

            // A new mapping version: replay-service queues its replay; the page shows it and it is cancelled.
            as(Tokens.OWNER)
                    .body(Map.of(
                            "document",
                            Map.of(
                                    "fields",
                                    List.of(Map.of("name", "t", "path", "/temp", "type", "number")),
                                    "metrics",
                                    List.of("t"))))
                    .post("/api/teams/" + t + "/pipelines/" + p + "/mappings")
                    .then()
                    .statusCode(201);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Db.count(
                                    "SELECT count(*) FROM replays WHERE pipeline_id = ? AND kind = 'mapping' AND target_version = 2",
                                    p)
                            == 1);
            page.reload();
            page.locator("#replay-open[data-state=queued]").waitFor();
            assertThat(page.locator("#replay-open").textContent()).contains("History → v2");
            page.locator("#replays").scrollIntoViewIfNeeded();
            Ui.shot(page, "37-replay-mapping-open");
            page.locator("#cancel-replay").click();
            page.locator("#confirm-cancel-replay").click();
            page.locator("#replay-open").waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.DETACHED));
            assertThat(Db.count(
                            "SELECT count(*) FROM data_mappings WHERE pipeline_id = ? AND version = 2 AND status = 'cancelled'",
                            p))
                    .isEqualTo(1);
            // Version 2 is no longer pending: nothing to replay into.
            page.locator("#replay-history tbody tr").nth(1).waitFor();
            page.locator("#start-replay").waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.DETACHED));
            page.locator("#replays").scrollIntoViewIfNeeded();
            Ui.shot(page, "38-replays-history");
            assertThat(csp).isEmpty();
        }
        try (BrowserContext ctx = ui().context()) {
            Page page = ui().signIn(ctx, Tokens.VIEWER, "/t/" + t + "/pipelines/" + p);
            page.locator("#quarantine table").waitFor();
            assertThat(page.locator("#replays").count()).isZero();
            assertThat(page.locator("#replay-quarantine").count()).isZero();
            assertThat(page.locator(".role-note").textContent())
                    .contains("replays")
                    .contains("viewer");
            Ui.shot(page, "39-pipeline-viewer");
        }
    }

    @Test
    void aDashboardSaysLiveOnceAndAStatCardWithoutAnEarlierValueShowsADash() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String t = team.id().toString();
        UUID p = Api.activePipeline(team);
        Db.update("""
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version)
                VALUES (now() - interval '30 seconds', ?, ?, 't', '{}', 21.5, gen_random_uuid(), 1)
                """, p, team.id());
        String dashboard = as(Tokens.OWNER)
                .body(Map.of("name", "Now", "slug", Api.unique("now")))
                .post("/api/teams/" + t + "/dashboards")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(Tokens.OWNER)
                .body(Map.of(
                        "type",
                        "stat_card",
                        "title",
                        "Temperature now",
                        "data_query",
                        Map.of("pipeline_id", p.toString(), "metric", "t", "aggregation", "avg"),
                        "position",
                        Map.of("x", 0, "y", 0, "w", 4, "h", 3)))
                .post("/api/teams/" + t + "/dashboards/" + dashboard + "/widgets")
                .then()
                .statusCode(201);
        try (BrowserContext ctx = ui().context()) {
            Page page = ui().signIn(ctx, Tokens.OWNER, "/t/" + t + "/dashboards/" + dashboard);
            page.locator(".stat-value").waitFor();
            assertThat(page.locator(".stat-value").textContent()).isEqualTo("21.50");
            assertThat(page.locator(".stat-change").textContent()).isEqualTo("—");
            // While live the status holds only words for screen readers: attached, not visible.
            page.locator("#live-status[data-state=live], #live-status[data-state=polling]")
                    .waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.ATTACHED));
            String controls = page.locator(".board-controls").innerText();
            assertThat(controls.split("Live", -1).length - 1).as(controls).isEqualTo(1);
            Ui.shot(page, "3a-dashboard-one-live");
        }
    }
}
