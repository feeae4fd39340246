package dev.dash.model.mapping;

import static dev.dash.model.mapping.MappingTestSupport.RECEIVED;
import static dev.dash.model.mapping.MappingTestSupport.compile;
import static dev.dash.model.mapping.MappingTestSupport.json;
import static dev.dash.model.mapping.MappingTestSupport.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A mapping applied to the part of a body its pointers reach ({@link CompiledMapping#bodySubset}, what the replay
 * builds of each Bronze line) gives exactly what it gives applied to the whole body: points, records, errors and
 * skipped rows, for good events and bad ones.
 */
class BodySubsetTest {
    private static final String TELEMETRY_MAPPING = """
            {'time':{'path':'/created_at','format':'iso8601'},
             'fields':[{'name':'temperature_c','path':'/readings/temperature_c','type':'number'},
                       {'name':'pressure_kpa','path':'/readings/pressure_hpa','type':'number',
                        'transform':[{'op':'unit','from':'hPa','to':'kPa'},{'op':'round','digits':3}]},
                       {'name':'site','path':'/device/site','type':'string'},
                       {'name':'model','path':'/device/model','type':'string','transform':[{'op':'lowercase'}]}],
             'metrics':['temperature_c','pressure_kpa'],'labels':['site','model']}
            """;

    private static final String TELEMETRY =
            "{'id':'evt_1','type':'telemetry.reading','created_at':'2026-11-21T10:00:00Z',"
                    + "'device':{'id':'dev-1','model':'TX-400','firmware':'4.2.1','site':'berlin-01','region':'eu-central'},"
                    + "'readings':{'temperature_c':21.5,'humidity_pct':40.1,'pressure_hpa':1001.3,'battery_v':3.7,'rssi_dbm':-50},"
                    + "'status':'ok','tags':['prod','line-a'],'gateway':{'id':'gw-1','uptime_s':1000000},"
                    + "'location':{'lat':52.5,'lon':13.4}}";

    /** Events that meet every way a pointer can fail or succeed: missing, null, wrong types on the way, repeats. */
    private static final List<String> TELEMETRY_EVENTS = List.of(
            TELEMETRY,
            "{}",
            "[]",
            "42",
            "null",
            "'text'",
            "[{'device':{'site':'x'}}]",
            "{'created_at':'2026-11-21T10:00:00Z','device':'berlin','readings':{'temperature_c':1,'pressure_hpa':2}}",
            "{'created_at':'2026-11-21T10:00:00Z','device':['site','model'],'readings':{'temperature_c':1,'pressure_hpa':2}}",
            "{'created_at':'2026-11-21T10:00:00Z','device':null,'readings':null}",
            "{'created_at':'2026-11-21T10:00:00Z','device':{'site':null,'model':{'a':1}},'readings':{'temperature_c':'x','pressure_hpa':true}}",
            "{'created_at':'2026-11-21T10:00:00Z','device':{'site':'a','model':'B'},'readings':{'temperature_c':1,'pressure_hpa':2},"
                    + "'device':{'site':'c'}}",
            "{'created_at':'2026-11-21T10:00:00Z','device':{'site':'a','site':'b','model':'M'},'readings':{'temperature_c':1e400,'pressure_hpa':-0.0}}",
            "{'created_at':12,'device':{'site':'a','model':'M'},'readings':{'temperature_c':123456789012345678901234567890,'pressure_hpa':2}}",
            "{'created_at':'2026-11-21T10:00:00Z','readings':{'temperature_c':1,'pressure_hpa':2},'device':{'model':'M','site':'s',"
                    + "'deep':{'a':[1,{'b':[{},[]]}],'c':'\\u00e9\\n'}}}");

    @Test
    void telemetryEventsMapAlikeWholeAndInPart() throws IOException {
        assertAlike(compile(TELEMETRY_MAPPING), TELEMETRY_EVENTS);
    }

    @Test
    void filtersCoalesceAndExplodeMapAlikeWholeAndInPart() throws IOException {
        CompiledMapping filtered = compile("{'filter':{'any':[{'path':'/kind','eq':'a'},"
                + "{'all':[{'path':'/meta/x','exists':true},{'not':{'path':'/meta/y','gt':3}}]}]},"
                + "'fields':[{'name':'v','path':'/v/n','type':'number',"
                + "'transform':[{'op':'coalesce','paths':['/w/n','/z']}]}],'metrics':['v']}");
        assertAlike(
                filtered,
                List.of(
                        "{'kind':'a','v':{'n':1},'junk':[1,2,3]}",
                        "{'kind':'b','meta':{'x':0,'y':1},'w':{'n':2}}",
                        "{'kind':'b','meta':{'x':0,'y':9},'w':{'n':2}}",
                        "{'kind':'a','z':[1]}",
                        "{'kind':'a','v':{'n':null},'w':'s','z':7}",
                        "{'meta':'x'}"));
        CompiledMapping exploded = compile("{'explode':'/readings','time':{'path':'/at','format':'epoch_s'},"
                + "'filter':{'path':'/ok','eq':true},"
                + "'fields':[{'name':'v','path':'/v','type':'number'},"
                + "{'name':'device','path':'/device/id','scope':'root','type':'string'}],"
                + "'metrics':['v'],'labels':['device']}");
        assertAlike(
                exploded,
                List.of(
                        "{'device':{'id':'d1','other':1},'readings':[{'at':1,'v':1,'ok':true},{'at':2,'v':2,'ok':false}]}",
                        "{'device':{'id':'d1'},'readings':{'at':1,'v':1}}",
                        "{'device':{'id':'d1'},'readings':'x'}",
                        "{'device':{'id':'d1'}}",
                        "{'readings':[{'at':1,'v':'x','ok':true}]}"));
    }

    @Test
    void benchmarkPayloadsMapAlikeWholeAndInPart() throws IOException {
        for (String name : List.of("github-push", "iot-reading", "stripe-invoice-paid")) {
            CompiledMapping m = MappingCompiler.compile(
                    new String(resource("/bench/" + name + ".mapping.json"), StandardCharsets.UTF_8));
            String event = new String(resource("/bench/" + name + ".json"), StandardCharsets.UTF_8);
            assertThat(describe(m.apply(EventInput.ofJson(UUID.randomUUID(), RECEIVED, subset(m, event)))))
                    .as(name)
                    .isEqualTo(describe(m.apply(EventInput.ofJson(UUID.randomUUID(), RECEIVED, Json.parse(event)))));
        }
    }

    @Test
    void theSubsetHoldsOnlyWhatThePointersReach() throws IOException {
        CompiledMapping m = compile(TELEMETRY_MAPPING);

        assertThat(subset(m, json(TELEMETRY)))
                .isEqualTo(Json.parse(json("{'created_at':'2026-11-21T10:00:00Z',"
                        + "'device':{'model':'TX-400','site':'berlin-01'},"
                        + "'readings':{'temperature_c':21.5,'pressure_hpa':1001.3}}")));
        assertThat(compile("{'explode':'','fields':[{'name':'v','path':'/v','type':'number'}],'metrics':['v']}")
                        .bodySubset()
                        .all())
                .isTrue();
    }

    @Test
    void malformedJsonOffThePointersStillFailsTheRead() {
        CompiledMapping m = compile(TELEMETRY_MAPPING);

        for (String bad : List.of(
                "{\"device\":{\"site\":\"a\"},\"junk\":[1,2,}",
                "{\"junk\":\"\\x\",\"device\":{}}",
                "{\"junk\":01,\"device\":{}}",
                "{\"junk\":{\"a\" 1}}",
                "{\"device\":{\"site\":\"a\"}")) {
            assertThatThrownBy(() -> subset(m, bad)).as(bad).isInstanceOf(IOException.class);
        }
    }

    /**
     * {@code apply} on body bytes builds only the subset: the same result as on the whole tree, and for bodies that do
     * not parse, the same error as the whole parse gives.
     */
    @Test
    void applyOnBodyBytesGivesWhatTheWholeTreeGives() throws IOException {
        CompiledMapping m = compile(TELEMETRY_MAPPING);
        List<String> events = new ArrayList<>(
                TELEMETRY_EVENTS.stream().map(MappingTestSupport::json).toList());
        events.addAll(List.of(
                "",
                "   ",
                "{\"device\":{\"site\":\"a\"},\"junk\":[1,2,}",
                "{\"junk\":01,\"device\":{}}",
                "{\"device\":{\"site\":\"a\"}",
                "{\"created_at\":\"2026-11-21T10:00:00Z\"} {}",
                "{\"created_at\":\"2026-11-21T10:00:00Z\"} x"));
        for (String event : events) {
            byte[] body = event.getBytes(StandardCharsets.UTF_8);
            MappingResult whole;
            try {
                JsonNode tree = Json.parse(body);
                whole = tree.isMissingNode() ? null : m.apply(EventInput.ofJson(null, RECEIVED, tree));
            } catch (IOException e) {
                whole = null;
            }
            MappingResult bytes = m.apply(EventInput.ofBytes(null, RECEIVED, body));
            if (whole != null) {
                assertThat(describe(bytes)).as(event).isEqualTo(describe(whole));
            } else {
                assertThat(bytes.errors())
                        .as(event)
                        .singleElement()
                        .satisfies(e -> assertThat(e.code()).isEqualTo(MappingError.Code.INVALID_JSON));
            }
        }
    }

    private static void assertAlike(CompiledMapping m, List<String> events) throws IOException {
        for (String e : events) {
            String event = json(e);
            JsonNode whole = Json.parse(event);
            assertThat(describe(m.apply(EventInput.ofJson(null, RECEIVED, subset(m, event)))))
                    .as(event)
                    .isEqualTo(describe(m.apply(EventInput.ofJson(null, RECEIVED, whole))));
        }
    }

    private static JsonNode subset(CompiledMapping m, String event) throws IOException {
        try (JsonParser p = Json.factory().createParser(event.getBytes(StandardCharsets.UTF_8))) {
            p.nextToken();
            JsonNode n = m.bodySubset().read(p);
            if (p.nextToken() != null) {
                throw new IOException("trailing content");
            }
            return n;
        }
    }

    private static String describe(MappingResult r) {
        List<String> parts = new ArrayList<>();
        parts.add("points=" + r.points());
        parts.add("errors=" + r.errors());
        parts.add("skipped=" + r.skippedByFilter());
        if (r.ok()) {
            r.records().forEach(rec -> parts.add("record=" + rec));
        }
        return String.join("; ", parts);
    }
}
