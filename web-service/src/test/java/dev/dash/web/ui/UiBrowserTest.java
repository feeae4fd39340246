package dev.dash.web.ui;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.WebSocketRoute;
import com.microsoft.playwright.options.LoadState;
import com.microsoft.playwright.options.WaitForSelectorState;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.RawEvents;
import dev.dash.web.testing.ReplayServiceResource;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The UI in a real headless Chromium against the real service, Keycloak, PostgreSQL and Kafka. Events enter
 * as the ingestor leaves them (raw envelopes on {@code dash.raw}, points in Silver), since no ingestor runs
 * inside web-service's tests; a replay's progress and cut-over are written as replay-service writes them
 * (replay-service itself runs with its jobs off, for the replay routes the pipeline and mapping pages call).
 * Screenshots of every page go to {@code target/screenshots}.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(ReplayServiceResource.Profile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UiBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BROKEN = """
            {
              "fields": [
                {"name": "temperature", "path": "/temp", "type": "numbr"}
              ],
              "metrics": ["temperature"]
            }""";
    private static final String MAPPING = """
            {
              "fields": [
                {"name": "temperature", "path": "/temp", "type": "number"},
                {"name": "site", "path": "/site", "type": "string"}
              ],
              "metrics": ["temperature"],
              "labels": ["site"]
            }""";

    @TestHTTPResource("/")
    URL url;

    private Ui ui;

    private Ui ui() {
        if (ui == null) {
            ui = new Ui(url.getPort());
        }
        return ui;
    }

    @AfterAll
    void closeBrowser() {
        if (ui != null) {
            ui.close();
        }
    }

    @Test
    void anOwnerBuildsAPipelineMapsItWatchesADashboardMoveAndSharesIt() throws Exception {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String t = team.id().toString();
        try (BrowserContext ctx = ui().context()) {
            Page page = ui().signIn(ctx, Tokens.OWNER, "/t/" + t + "/pipelines");
            List<String> consoleErrors = new ArrayList<>();
            List<String> consoleLog = java.util.Collections.synchronizedList(new ArrayList<>());
            page.onConsoleMessage(m -> consoleLog.add(m.type() + ": " + m.text()));
            page.onResponse(r -> {
                if (r.status() >= 400) {
                    consoleLog.add("HTTP " + r.status() + " " + r.request().method() + " " + r.url());
                }
            });
            page.onConsoleMessage(m -> {
                // Failed requests (a 404 WebSocket upgrade before the live endpoint exists, a 400 the page
                // handles) are logged by the browser too; what must never appear is a refused resource.
                if (m.type().equals("error") && m.text().contains("Content Security Policy")) {
                    consoleErrors.add(m.text());
                }
            });

            // The deep link survived the round trip through Keycloak; the new team has no pipelines yet.
            page.getByText("No pipelines yet").waitFor();
            Ui.shot(page, "01-pipelines-empty");

            // Create a pipeline: the secret and a signed curl example are shown once.
            page.locator("#new-pipeline").click();
            page.locator("#pipeline-form input[data-field=name]").fill("Sensors");
            page.locator("#pipeline-form button[type=submit]").click();
            page.locator("#secret-value").waitFor();
            assertThat(page.locator("#curl-example").textContent())
                    .contains("curl")
                    .contains("/ingest/");
            Ui.shot(page, "02-pipeline-secret");
            page.getByText("I have copied it").click();
            page.locator("#ingest-url").waitFor();
            UUID pipeline = UUID.fromString(page.url().replaceAll(".*/pipelines/([0-9a-f-]{36}).*", "$1"));
            sendEvents(team.id(), pipeline, 19.0, 20.5, 22.0);
            // The page reads the newest events from the tail of dash.raw: reload until they are there.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                page.reload();
                page.locator("#recent-events table, #recent-events p").first().waitFor();
                assertThat(page.locator("#recent-events table tbody tr").count())
                        .isEqualTo(3);
            });
            assertThat(page.locator("#recent-events table tbody tr").count()).isEqualTo(3);
            Ui.shot(page, "03-pipeline-detail");

            // Mapping editor: an error is marked where it is while typing, a valid one previews recent events.
            page.locator("#edit-mapping").click();
            page.locator("#mapping-text").fill(BROKEN);
            page.locator("mark.err").first().waitFor();
            assertThat(page.locator("#problems li").count()).isGreaterThanOrEqualTo(1);
            assertThat(page.locator("#problems").textContent()).contains("/fields/0");
            assertThat(page.locator(".gutter .bad").count()).isGreaterThanOrEqualTo(1);
            Ui.shot(page, "04-mapping-error");
            page.locator("#mapping-text").fill(MAPPING);
            page.locator("#validity .badge.ok").waitFor();
            assertThat(page.locator("mark.err").count()).isZero();
            page.locator("#tab-preview").click();
            page.locator("#preview-table tbody tr").first().waitFor();
            assertThat(page.locator("#preview-table tbody tr").count()).isEqualTo(3);
            assertThat(page.locator("#preview-summary").textContent())
                    .as(
                            "preview of the newest events: %s",
                            page.locator("#preview-table").textContent())
                    .contains("3 events")
                    .contains("3 points");
            Ui.shot(page, "05-mapping-preview");

            // Save: version 1 is pending; the replay's progress arrives over the replays WebSocket.
            UUID replay = UUID.randomUUID();
            Db.update("""
                    INSERT INTO replays (id, pipeline_id, team_id, kind, target_version, state, objects_total,
                        objects_done, events_read, points_written, started_at)
                    VALUES (?, ?, ?, 'mapping', 1, 'running', 10, 4, 1234, 1234, now())
                    """, replay, pipeline, team.id());
            page.locator("#save-mapping").click();
            page.locator("#confirm-save").click();
            page.locator("#replay-state .badge").waitFor();
            assertThat(page.locator("#replay-state").textContent())
                    .contains("running")
                    .contains("4 of 10");
            Ui.shot(page, "06-mapping-replay");
            assertThat(Db.count(
                            "SELECT count(*) FROM data_mappings WHERE pipeline_id = ? AND version = 1 AND status = 'pending'",
                            pipeline))
                    .isEqualTo(1);
            // The cut-over, as replay-service does it; then points in Silver under the active version.
            Db.update(
                    "UPDATE replays SET state = 'succeeded', objects_done = 10, finished_at = now() WHERE id = ?",
                    replay);
            activate(pipeline, 1);
            points(team.id(), pipeline, 1, "now() - make_interval(secs => i * 20)", "20 + (i % 5)", 40);

            // A dashboard with a line chart and a stat card, built in the widget editor with a live preview.
            page.navigate(ui().base + "/#/t/" + t + "/dashboards");
            page.locator("#new-dashboard").click();
            page.locator("#dashboard-form input[data-field=name]").fill("Floor sensors");
            page.locator("#dashboard-form button[type=submit]").click();
            page.getByText("No widgets yet").waitFor();
            Ui.shot(page, "07-dashboard-empty");
            addWidget(page, pipeline, "line_chart", "Temperature", "avg");
            Ui.shot(page, "08-widget-editor");
            page.locator("#save-widget").click();
            page.locator(".widget-body[data-type=line_chart]").waitFor();
            addWidget(page, pipeline, "stat_card", "Hottest now", "max");
            page.locator("#save-widget").click();
            Locator line = page.locator(".widget-body[data-type=line_chart]");
            Locator stat = page.locator(".widget-body[data-type=stat_card] .stat-value");
            // The board drawn again with both widgets first: until then the line chart's canvas found is the one of
            // the board before the save (a trace of a green run showed the wait below answered 33 ms after the
            // click, before the widget's POST had returned), so the new board's line chart went unchecked.
            waitOrExplain(
                    page, page.locator(".widget-body[data-type=stat_card]"), "the board with both widgets", consoleLog);
            waitOrExplain(page, line.locator("canvas").first(), "the line chart's canvas", consoleLog);
            waitOrExplain(page, stat, "the stat card's value", consoleLog);
            page.evaluate("window.__sameDocument = true");
            String pointsBefore = line.getAttribute("data-points");

            // New events arrive: both widgets change without a reload.
            sendEvents(team.id(), pipeline, 99.5);
            points(team.id(), pipeline, 1, "now()", "99.5", 1);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(stat.getAttribute("data-value")).isEqualTo("99.5");
                assertThat(line.getAttribute("data-last")).isEqualTo("99.5");
            });
            assertThat(line.getAttribute("data-points")).isNotEqualTo(pointsBefore);
            assertThat(page.evaluate("window.__sameDocument")).isEqualTo(true);

            // A new mapping version is activated (a replay's cut-over): the charts get an annotation.
            as(Tokens.OWNER)
                    .body(Map.of("document", JSON.readValue(MAPPING, Map.class)))
                    .post("/api/teams/" + t + "/pipelines/" + pipeline + "/mappings")
                    .then()
                    .statusCode(201);
            // Activated first, then its points arrive: the stream re-reads on the new version's batch and switches.
            // (The other order raced: a re-read before the activation saw version 1 and nothing probed again until
            // the cache's 60 s refresh; in a real cut-over the replay's end on dash.replays makes the stream probe.)
            activate(pipeline, 2);
            points(team.id(), pipeline, 2, "now() - make_interval(secs => i * 20)", "21 + (i % 4)", 40);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() ->
                            assertThat(line.getAttribute("data-annotations")).isEqualTo("1"));
            Ui.shot(page, "09-dashboard");

            // The view is in the URL: a reload restores the dashboard and its time range.
            page.locator("#range").selectOption("PT1H");
            page.reload();
            page.locator(".widget-body[data-type=line_chart] canvas").first().waitFor();
            assertThat(page.locator("#range").inputValue()).isEqualTo("PT1H");
            assertThat(page.url()).contains("range=PT1H");
            page.locator("#kiosk").click();
            assertThat(page.locator(".sidebar").isVisible()).isFalse();
            Ui.shot(page, "10-dashboard-kiosk");
            page.locator("#kiosk").click();
            page.locator(".sidebar").waitFor();

            // Share: a public link, opened in a fresh context with no session, shows the dashboard read-only.
            page.locator("#share").click();
            page.locator("#create-link").click();
            String link = page.locator("#public-url").textContent();
            Ui.shot(page, "11-share");
            page.keyboard().press("Escape");
            try (BrowserContext anonymous = ui().context()) {
                Page pub = anonymous.newPage();
                pub.navigate(link);
                pub.locator(".widget-body[data-type=line_chart] canvas").first().waitFor();
                assertThat(pub.locator("h1").textContent()).isEqualTo("Floor sensors");
                assertThat(pub.locator("#team-switcher").count()).isZero();
                assertThat(pub.locator(".widget-actions").count()).isZero();
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(pub.locator(".widget-body[data-type=stat_card] .stat-value")
                                        .textContent())
                                .isNotBlank());
                Ui.shot(pub, "12-public");
            }

            // Team pages.
            page.navigate(ui().base + "/#/t/" + t + "/settings/members");
            page.locator("#members tbody tr").first().waitFor();
            Ui.shot(page, "13-team");
            page.navigate(ui().base + "/#/t/" + t + "/settings/audit");
            page.locator("#audit tbody tr").first().waitFor();
            assertThat(page.locator("#audit").textContent()).contains("pipeline.create");
            Ui.shot(page, "14-audit");
            page.navigate(ui().base + "/#/t/" + t + "/settings/storage");
            page.locator(".kpi").first().waitFor();
            Ui.shot(page, "15-storage");
            page.navigate(ui().base + "/#/t/" + t + "/pipelines");
            page.locator("table tbody tr").first().waitFor();
            Ui.shot(page, "16-pipelines");
            page.navigate(ui().base + "/#/t/" + t + "/dashboards");
            page.locator(".dash-card").first().waitFor();
            Ui.shot(page, "17-dashboards");
            assertThat(consoleErrors).as("CSP violations").isEmpty();
        }
    }

    /**
     * Without the live endpoint (the upgrade refused before it opens) the dashboard polls the data endpoint every
     * 3 s; here every answer takes 4 s. Before, only the answer of the latest request was shown, so no answer was
     * ever shown and both widgets stayed "Loading…" (docs/ui.md, "Live data").
     */
    @Test
    void aDashboardShowsDataEndpointAnswersSlowerThanItsPollInterval() {
        Board board = boardWithData(Map.of());
        String t = board.team().id().toString();
        String dashboard = board.dashboard();
        try (BrowserContext ctx = ui().context()) {
            ctx.addInitScript("""
                    (() => {
                      const RealSocket = window.WebSocket;
                      window.WebSocket = function (url, protocols) {
                        if (!/\\/dashboards\\/[^/]+\\/live$/.test(String(url))) return new RealSocket(url, protocols);
                        const ws = { readyState: 0, send() {}, close() {} };
                        setTimeout(() => { ws.readyState = 3; if (ws.onclose) ws.onclose({ code: 1006, reason: '' }); }, 0);
                        return ws;
                      };
                      const realFetch = window.fetch;
                      window.fetch = (url, init) => /\\/widgets\\/[^/]+\\/data$/.test(String(url))
                        ? new Promise((r) => setTimeout(r, 4000)).then(() => realFetch(url, init))
                        : realFetch(url, init);
                    })();
                    """);
            Page page = ui().signIn(ctx, Tokens.OWNER, "/t/" + t + "/dashboards/" + dashboard);
            page.locator("#live-status[data-state=polling]").waitFor();
            Locator.WaitForOptions slow = new Locator.WaitForOptions().setTimeout(15_000);
            page.locator(".widget-body[data-type=line_chart] canvas").first().waitFor(slow);
            page.locator(".widget-body[data-type=stat_card] .stat-value").waitFor(slow);
            assertThat(page.locator(".widget-body[data-type=line_chart]").getAttribute("data-points"))
                    .isNotEqualTo("0");
        }
    }

    /**
     * A widget whose snapshot the server could not read ({@code snapshot_unavailable}, docs/live.md) puts the board's
     * live status in its error state with the server's words, and the status is live again, on the same connection,
     * once that widget's snapshot arrives as the stream's next frame (the server keeps reading it). The live socket is
     * the server's own, passed through a relay that holds back the first snapshot, sends the error frame in its place
     * and, when the test says so, the snapshot as the next frame of the stream.
     */
    @Test
    void aWidgetsSnapshotErrorShowsUntilItsSnapshotArrives() {
        Board board = boardWithData(Map.of());
        SnapshotHeldBack relay = new SnapshotHeldBack();
        try (BrowserContext ctx = ui().context()) {
            ctx.routeWebSocket(Pattern.compile("/dashboards/[^/]+/live$"), relay::connect);
            Page page = ui().signIn(ctx, Tokens.OWNER, "/t/" + board.team().id() + "/dashboards/" + board.dashboard());
            Locator failed = page.locator("#live-status[data-state=error]");
            failed.waitFor();
            assertThat(failed.innerText()).contains("could not be read");
            Ui.shot(page, "live-widget-snapshot-error");
            relay.release();
            // Live says nothing on screen (the status is read to screen readers only): attached, not visible.
            page.locator("#live-status[data-state=live]")
                    .waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.ATTACHED));
            assertThat(page.locator("#live-status").innerText()).doesNotContain("could not be read");
            page.locator(".widget-body[data-type=line_chart] canvas").first().waitFor();
            page.locator(".widget-body[data-type=stat_card] .stat-value").waitFor();
            assertThat(relay.connections).as("recovered without a reconnect").isEqualTo(1);
        }
    }

    /**
     * Relays the live socket, holding back the first snapshot frame (an error frame goes in its place) until
     * {@link #release()} sends it as the stream's next frame, later frames renumbered after it. Playwright calls the
     * handlers on the test's thread, inside its own calls.
     */
    private static final class SnapshotHeldBack {
        private final ObjectMapper json = new ObjectMapper();
        private WebSocketRoute page;
        private ObjectNode held;
        private long lastSeq;
        private long shift;
        int connections;

        void connect(WebSocketRoute route) {
            connections++;
            WebSocketRoute server = route.connectToServer();
            route.onMessage(m -> server.send(m.text()));
            server.onMessage(m -> route.send(relay(route, m.text())));
        }

        private String relay(WebSocketRoute route, String text) {
            try {
                ObjectNode f = (ObjectNode) json.readTree(text);
                if (held == null
                        && page == null
                        && "snapshot".equals(f.path("type").asText())) {
                    page = route;
                    held = f;
                    ObjectNode error = json.createObjectNode()
                            .put("type", "error")
                            .put("error", "snapshot_unavailable")
                            .put("epoch", f.path("epoch").asText())
                            .put("seq", f.path("seq").asLong())
                            .put("widget_id", f.path("widget_id").asText())
                            .put(
                                    "message",
                                    "the widget's data could not be read; its snapshot follows as soon as it can be read");
                    return json.writeValueAsString(error);
                }
                if (f.has("seq")) {
                    f.put("seq", f.path("seq").asLong() + shift);
                    lastSeq = f.path("seq").asLong();
                }
                return json.writeValueAsString(f);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        void release() {
            held.put("seq", ++lastSeq);
            shift++;
            page.send(held.toString());
            held = null;
        }
    }

    /**
     * The widget editor fills the metric field with the pipeline's first metric when that answer comes, but not once
     * the user is in the field. Before, an answer that came after the user had clicked into the field set the value
     * under the caret and what was typed next was joined to it ("temperaturetemperature": a widget over a metric
     * with no data, "No data in this range" and no chart, which is how the owner flow failed on CI).
     */
    @Test
    void theWidgetEditorsMetricSuggestionIsNotJoinedToWhatTheUserTypes() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        activateDocument(team.id(), pipeline);
        String dashboard = as(Tokens.OWNER)
                .body(Map.of("name", "Plant", "slug", Api.unique("plant")))
                .post("/api/teams/" + team.id() + "/dashboards")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        try (BrowserContext ctx = ui().context()) {
            // The suggestion's read of the active mapping waits until the test lets it go.
            ctx.addInitScript("""
                    (() => {
                      let release;
                      const held = new Promise((r) => { release = r; });
                      window.__releaseMappings = () => release();
                      const realFetch = window.fetch;
                      window.fetch = (url, init) => /\\/pipelines\\/[^/]+\\/mappings\\/\\d+$/.test(String(url))
                        ? held.then(() => realFetch(url, init))
                        : realFetch(url, init);
                    })();
                    """);
            Page page = ui().signIn(ctx, Tokens.OWNER, "/t/" + team.id() + "/dashboards/" + dashboard);
            page.locator("#add-widget").click();
            page.locator("#w-metric").click();
            page.evaluate("window.__releaseMappings()");
            page.locator("#metric-list option")
                    .first()
                    .waitFor(new Locator.WaitForOptions()
                            .setState(com.microsoft.playwright.options.WaitForSelectorState.ATTACHED));
            page.keyboard().type("temperature");
            assertThat(page.locator("#w-metric").inputValue()).isEqualTo("temperature");
        }
    }

    @Test
    void aViewerSeesNoEditControlsAndIsToldWhy() {
        Board board = boardWithData(Map.of("viewer", Tokens.VIEWER));
        String t = board.team().id().toString();
        UUID pipeline = board.pipeline();
        String dashboard = board.dashboard();
        try (BrowserContext ctx = ui().context()) {
            Page page = ui().signIn(ctx, Tokens.VIEWER, "/t/" + t + "/dashboards/" + dashboard);
            page.locator(".widget-body[data-type=line_chart] canvas").first().waitFor();
            assertThat(page.locator("#add-widget").count()).isZero();
            assertThat(page.locator("#share").count()).isZero();
            assertThat(page.locator(".widget-actions").count()).isZero();
            assertThat(page.locator(".grid-stack.grid-stack-static").count()).isEqualTo(1);
            assertThat(page.locator(".role-note").textContent()).contains("viewer");
            Ui.shot(page, "20-viewer-dashboard");

            page.navigate(ui().base + "/#/t/" + t + "/pipelines/" + pipeline);
            page.locator("#ingest-url").waitFor();
            for (String control : List.of("#pause", "#resume", "#delete-pipeline", "#rotate", "#sinks")) {
                assertThat(page.locator(control).count()).as(control).isZero();
            }
            assertThat(page.locator(".role-note").textContent()).contains("admin");
            page.navigate(ui().base + "/#/t/" + t + "/pipelines");
            page.locator("table tbody tr").first().waitFor();
            assertThat(page.locator("#new-pipeline").count()).isZero();
            page.navigate(ui().base + "/#/t/" + t + "/pipelines/" + pipeline + "/mapping");
            page.locator("#mapping-text").waitFor();
            assertThat(page.locator("#save-mapping").count()).isZero();
            assertThat(page.locator("#mapping-text").getAttribute("readonly")).isNotNull();
            page.navigate(ui().base + "/#/t/" + t + "/settings/audit");
            page.getByText("The audit log is for admins and owners").waitFor();
            Ui.shot(page, "21-viewer-audit");
        }
        // And the server still refuses what the UI hides.
        as(Tokens.VIEWER)
                .body(Map.of("type", "stat_card", "title", "x"))
                .post("/api/teams/" + t + "/dashboards/" + dashboard + "/widgets")
                .then()
                .statusCode(403);
    }

    @Test
    void theMainPagesHaveNoSeriousAccessibilityViolations() throws Exception {
        Board board = boardWithData(Map.of());
        String t = board.team().id().toString();
        UUID pipeline = board.pipeline();
        String dashboard = board.dashboard();
        String token = as(Tokens.OWNER)
                .body(Map.of("expires_in_days", 1))
                .post("/api/teams/" + t + "/dashboards/" + dashboard + "/public-link")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
        String axe = Files.readString(Ui.axeScript());
        try (BrowserContext ctx = ui().context(true)) {
            Page signIn = ctx.newPage();
            signIn.navigate(ui().base + "/");
            signIn.locator("#sign-in").waitFor();
            assertNoSeriousViolations(signIn, axe, "sign-in");
            signIn.close();
            Page page = ui().signIn(ctx, Tokens.OWNER, "/t/" + t + "/pipelines");
            Map<String, String> pages = Map.of(
                    "pipelines", "/t/" + t + "/pipelines",
                    "pipeline", "/t/" + t + "/pipelines/" + pipeline,
                    "mapping", "/t/" + t + "/pipelines/" + pipeline + "/mapping",
                    "dashboards", "/t/" + t + "/dashboards",
                    "dashboard", "/t/" + t + "/dashboards/" + dashboard,
                    "team", "/t/" + t + "/settings/members",
                    "public", "/public/" + token);
            for (var e : pages.entrySet()) {
                page.navigate(ui().base + "/#" + e.getValue());
                page.waitForLoadState(LoadState.NETWORKIDLE);
                page.locator(".main h1").first().waitFor();
                page.locator(".state.loading")
                        .last()
                        .waitFor(new Locator.WaitForOptions()
                                .setState(com.microsoft.playwright.options.WaitForSelectorState.DETACHED));
                assertNoSeriousViolations(page, axe, e.getKey());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void assertNoSeriousViolations(Page page, String axe, String name) {
        if (!(Boolean) page.evaluate("() => !!window.axe")) {
            page.addScriptTag(new Page.AddScriptTagOptions().setContent(axe));
        }
        List<Map<String, Object>> violations = (List<Map<String, Object>>)
                page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                        + ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
                        + ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
                        + " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))");
        assertThat(violations).as("serious axe-core violations on " + name).isEmpty();
    }

    private static void addWidget(Page page, UUID pipeline, String type, String title, String aggregation) {
        page.locator("#add-widget").click();
        page.locator("#w-type").selectOption(type);
        page.locator("#w-pipeline").selectOption(pipeline.toString());
        page.locator("#w-title").fill(title);
        page.locator("#w-metric").fill("temperature");
        page.locator("#w-aggregation").selectOption(aggregation);
        page.locator("#widget-preview[data-points]").waitFor();
    }

    /** Raw envelopes on dash.raw, as the ingestor publishes a verified, signed request. */
    private static void sendEvents(UUID team, UUID pipeline, double... temps) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (double t : temps) {
                RawEvents.send(producer, pipeline, team, "{\"temp\":" + t + ",\"site\":\"roof\"}")
                        .get();
            }
        }
    }

    /**
     * Points in Silver under a mapping version, as the Silver writer writes them: the rows are committed, then
     * the batch is published on dash.points, which is what moves open dashboards.
     */
    private static void points(UUID team, UUID pipeline, int version, String time, String value, int n) {
        List<Map<String, Object>> rows = Db.rows(
                "INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version)"
                        + " SELECT " + time + ", ?, ?, 'temperature', '{\"site\":\"roof\"}', " + value
                        + ", gen_random_uuid(), ? FROM generate_series(" + (n == 1 ? 0 : 1) + ", " + (n == 1 ? 0 : n)
                        + ") i RETURNING time, value, event_id",
                pipeline,
                team,
                version);
        Instant now = Instant.now();
        List<PointsBatch.Point> batch = rows.stream()
                .map(r -> new PointsBatch.Point(
                        ((java.sql.Timestamp) r.get("time")).toInstant(),
                        "temperature",
                        Map.of("site", "roof"),
                        ((Number) r.get("value")).doubleValue(),
                        (UUID) r.get("event_id"),
                        0,
                        version,
                        now))
                .toList();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(
                            LocalServices.topics().points(),
                            pipeline.toString(),
                            PointsCodec.encode(new PointsBatch(pipeline, team, now, batch))))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /**
     * Waits for a locator; on a timeout, fails with what the page showed instead (each widget's text and data
     * attributes, the live status, the browser's console and failed requests) and a screenshot, so a failure
     * on a CI machine names its cause.
     */
    private static void waitOrExplain(Page page, Locator what, String name, List<String> consoleLog) {
        try {
            what.waitFor();
        } catch (com.microsoft.playwright.TimeoutError e) {
            Ui.shot(page, "failed-" + name.replaceAll("[^a-z]+", "-"));
            Object widgets = page.evaluate(
                    "() => [...document.querySelectorAll('.widget-body')].map(el => ({type: el.dataset.type,"
                            + " data: {...el.dataset}, text: el.innerText.slice(0, 200),"
                            + " canvases: el.querySelectorAll('canvas').length}))");
            Object status = page.evaluate(
                    "() => { const s = document.querySelector('#live-status'); return s && (s.dataset.state + ' '"
                            + " + s.innerText); }");
            List<String> log;
            synchronized (consoleLog) {
                log = new ArrayList<>(consoleLog.subList(Math.max(0, consoleLog.size() - 30), consoleLog.size()));
            }
            throw new AssertionError(
                    name + " did not appear within the timeout; widgets: " + widgets + "; live status: " + status
                            + "; console and failed requests (last 30): " + log,
                    e);
        }
    }

    /** The cut-over of a replay: the version becomes active, the one before is retired. */
    private static void activate(UUID pipeline, int version) {
        Db.update("UPDATE data_mappings SET status = 'retired' WHERE pipeline_id = ? AND status = 'active'", pipeline);
        Db.update(
                "UPDATE data_mappings SET status = 'active', activated_at = now() WHERE pipeline_id = ? AND version = ?",
                pipeline,
                version);
        Db.update("UPDATE pipelines SET active_mapping_version = ? WHERE id = ?", version, pipeline);
    }

    private static void activateDocument(UUID team, UUID pipeline) {
        try {
            as(Tokens.OWNER)
                    .body(Map.of("document", JSON.readValue(MAPPING, Map.class)))
                    .post("/api/teams/" + team + "/pipelines/" + pipeline + "/mappings")
                    .then()
                    .statusCode(201);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        activate(pipeline, 1);
    }

    /** A team's pipeline with its mapping active and 30 points in Silver, and a dashboard of widgets over it. */
    private record Board(Api.Team team, UUID pipeline, String dashboard) {}

    /** {@code members}: role → user, besides the owner. */
    private static Board boardWithData(Map<String, String> members) {
        Api.Team team = Api.team(Tokens.OWNER, members);
        UUID pipeline = Api.pipeline(team);
        activateDocument(team.id(), pipeline);
        points(team.id(), pipeline, 1, "now() - make_interval(secs => i * 30)", "10 + (i % 7)", 30);
        return new Board(team, pipeline, dashboardWithWidget(team.id(), pipeline));
    }

    private static String dashboardWithWidget(UUID team, UUID pipeline) {
        String dashboard = as(Tokens.OWNER)
                .body(Map.of("name", "Plant", "slug", Api.unique("plant")))
                .post("/api/teams/" + team + "/dashboards")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        for (String type : List.of("line_chart", "stat_card")) {
            as(Tokens.OWNER)
                    .body(Map.of(
                            "type",
                            type,
                            "title",
                            type.equals("stat_card") ? "Now" : "Temperature",
                            "position",
                            Map.of(
                                    "x",
                                    type.equals("stat_card") ? 8 : 0,
                                    "y",
                                    0,
                                    "w",
                                    type.equals("stat_card") ? 4 : 8,
                                    "h",
                                    4),
                            "data_query",
                            Map.of("pipeline_id", pipeline.toString(), "metric", "temperature", "aggregation", "avg")))
                    .post("/api/teams/" + team + "/dashboards/" + dashboard + "/widgets")
                    .then()
                    .statusCode(201);
        }
        return dashboard;
    }
}
