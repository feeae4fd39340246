package dev.dash.web.ui;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.logging.Log;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The UI's browser figures for docs/benchmarks.md, measured with performance marks in headless Chromium:
 * time to the first chart (and to all eight) of a dashboard of 8 widgets over 24 hours; a line chart of
 * 4 series x 10,000 points, its render and its frame times while 10 points/s stream in; the shipped
 * JavaScript and CSS (gzip). Each figure has a baseline from the same run. Written to target/ui-bench.json.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class UiPerformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL url;

    @Test
    void measuresFirstChartStreamingFramesAndBundleSize() throws Exception {
        ObjectNode out = JSON.createObjectNode();
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        as(Tokens.OWNER)
                .body(Map.of(
                        "document",
                        Map.of(
                                "fields",
                                        List.of(
                                                Map.of("name", "load", "path", "/load", "type", "number"),
                                                Map.of("name", "host", "path", "/host", "type", "string")),
                                "metrics", List.of("load"),
                                "labels", List.of("host"))))
                .post("/api/teams/" + team.id() + "/pipelines/" + pipeline + "/mappings")
                .then()
                .statusCode(201);
        Db.update("UPDATE data_mappings SET status = 'active', activated_at = now() WHERE pipeline_id = ?", pipeline);
        Db.update("UPDATE pipelines SET active_mapping_version = 1 WHERE id = ?", pipeline);
        // 24 hours, one point a minute for each of 4 hosts: 5,760 rows.
        Db.update("""
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version)
                SELECT now() - make_interval(mins => i), ?, ?, 'load', jsonb_build_object('host', 'h' || h),
                       10 + h + sin(i / 30.0) * 5, gen_random_uuid(), 1
                FROM generate_series(1, 1440) i, generate_series(1, 4) h
                """, pipeline, team.id());
        String dashboard = as(Tokens.OWNER)
                .body(Map.of("name", "Eight", "slug", Api.unique("eight")))
                .post("/api/teams/" + team.id() + "/dashboards")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String[] types = {
            "line_chart", "line_chart", "line_chart", "bar_chart", "bar_chart", "stat_card", "stat_card", "table"
        };
        for (int i = 0; i < types.length; i++) {
            as(Tokens.OWNER)
                    .body(Map.of(
                            "type",
                            types[i],
                            "title",
                            "W" + i,
                            "position",
                            Map.of("x", (i % 2) * 6, "y", (i / 2) * 3, "w", 6, "h", 3),
                            "data_query",
                            Map.of("pipeline_id", pipeline.toString(), "metric", "load", "aggregation", "avg")))
                    .post("/api/teams/" + team.id() + "/dashboards/" + dashboard + "/widgets")
                    .then()
                    .statusCode(201);
        }

        try (Ui ui = new Ui(url.getPort());
                // waitForFunction evaluates a string in the page, which the CSP (rightly) refuses: bypassed here.
                BrowserContext ctx = ui.context(true)) {
            Page page = ui.signIn(ctx, Tokens.OWNER, "/t/" + team.id() + "/dashboards/" + dashboard + "?range=PT24H");
            page.locator(".widget-body[data-points]").nth(7).waitFor();
            // Measured on reloads of the signed-in page (sign-in excluded), the median of three.
            double[] first = new double[3];
            double[] all = new double[3];
            double[] shell = new double[3];
            for (int i = 0; i < 3; i++) {
                page.reload();
                page.waitForFunction("document.querySelectorAll('.widget-body[data-points]').length === 8");
                @SuppressWarnings("unchecked")
                Map<String, Number> m = (Map<String, Number>) page.evaluate("""
                        () => {
                          const marks = performance.getEntriesByName('dash:widget-drawn');
                          const seen = new Map();
                          for (const m of marks) if (!seen.has(m.detail.id)) seen.set(m.detail.id, m.startTime);
                          const nav = performance.getEntriesByType('navigation')[0];
                          return { first: performance.getEntriesByName('dash:first-chart')[0].startTime,
                                   all: Math.max(...seen.values()), shell: nav.domContentLoadedEventEnd };
                        }""");
                first[i] = m.get("first").doubleValue();
                all[i] = m.get("all").doubleValue();
                shell[i] = m.get("shell").doubleValue();
            }
            out.put("first_chart_ms", median(first));
            out.put("all_8_charts_ms", median(all));
            out.put("baseline_page_ready_ms", median(shell));
            out.put("first_chart_vs_page_ready", median(first) / median(shell));

            Page bench = ctx.newPage();
            bench.navigate(ui.base + "/#/bench/stream?points=10000&seconds=10");
            bench.waitForFunction(
                    "document.title === 'bench done'", null, new Page.WaitForFunctionOptions().setTimeout(60_000));
            @SuppressWarnings("unchecked")
            Map<String, Object> b = (Map<String, Object>) bench.evaluate("window.__bench");
            b.forEach((k, v) -> out.put("stream_" + k, ((Number) v).doubleValue()));
        }

        // Shipped JavaScript and CSS: every bundle file the page loads, gzip-compressed here (level 6).
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + url.getPort();
        HttpResponse<String> index =
                http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(index.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(index.headers().firstValue("Content-Security-Policy").orElse(""))
                .startsWith("default-src 'self'");
        Matcher m = Pattern.compile("(?:src|href)=\"(/static/bundle/[^\"]+\\.(js|css))\"")
                .matcher(index.body());
        long jsRaw = 0, jsGzip = 0, cssRaw = 0, cssGzip = 0;
        while (m.find()) {
            byte[] body = http.send(
                            HttpRequest.newBuilder(URI.create(base + m.group(1)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray())
                    .body();
            long gz = gzip(body);
            if (m.group(2).equals("js")) {
                jsRaw += body.length;
                jsGzip += gz;
            } else {
                cssRaw += body.length;
                cssGzip += gz;
            }
        }
        out.put("js_bytes", jsRaw);
        out.put("js_gzip_bytes", jsGzip);
        out.put("css_bytes", cssRaw);
        out.put("css_gzip_bytes", cssGzip);
        Files.writeString(
                Paths.get("target", "ui-bench.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        Log.infof("UI figures: %s", out);

        assertThat(jsGzip).as("shipped JavaScript, gzip").isPositive().isLessThanOrEqualTo(300 * 1024);
        assertThat(out.get("stream_draws").asDouble())
                .as("redraws while streaming")
                .isGreaterThan(50);
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

    private static long gzip(byte[] in) throws java.io.IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(in);
        }
        return bytes.size();
    }
}
