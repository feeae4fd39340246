package dev.dash.model.mapping;

import static dev.dash.model.mapping.MappingTestSupport.RECEIVED;
import static dev.dash.model.mapping.MappingTestSupport.resource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.Test;

/** Mapping is a pure function of (mapping, event): same inputs, same outputs, however and wherever it runs. */
class MappingPropertiesTest {
    static final String MAPPING =
            MappingTestSupport.json("{'time':{'path':'/ts','format':'epoch_ms','on_missing':'received_at'},"
                    + "'filter':{'not':{'path':'/skip','eq':true}},"
                    + "'fields':[{'name':'a','path':'/a','type':'number','required':false,'transform':[{'op':'parse_number'},{'op':'scale','by':1.5},{'op':'round','digits':3}]},"
                    + "{'name':'b','path':'/b','type':'integer','required':false},"
                    + "{'name':'c','path':'/c','type':'boolean','required':false,'transform':[{'op':'parse_boolean'}]},"
                    + "{'name':'z','path':'/z','type':'string','required':false,'transform':[{'op':'lowercase'}]},"
                    + "{'name':'y','path':'/y','type':'string','required':false},"
                    + "{'name':'x','path':'/nested/x','type':'string','default':'none'}],"
                    + "'metrics':['a','b','c'],'labels':['z','y','x']}");

    static final ExecutorService POOL = Executors.newFixedThreadPool(2);

    @AfterContainer
    static void stop() {
        POOL.shutdown();
    }

    @Provide
    Arbitrary<JsonNode> events() {
        Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
                Arbitraries.integers().map(i -> Json.nodes().numberNode(i)),
                Arbitraries.doubles().map(d -> Json.nodes().numberNode(d)),
                Arbitraries.strings().ofMaxLength(12).map(s -> Json.nodes().textNode(s)),
                Arbitraries.of("1", "-2.5", "true", "no", "1e3", "X")
                        .map(s -> Json.nodes().textNode(s)),
                Arbitraries.of(true, false).map(b -> Json.nodes().booleanNode(b)),
                Arbitraries.just(Json.nodes().nullNode()));
        return Arbitraries.maps(Arbitraries.of("ts", "skip", "a", "b", "c", "z", "y", "nested", "other"), scalar)
                .ofMaxSize(8)
                .map(map -> {
                    ObjectNode o = Json.nodes().objectNode();
                    map.forEach((k, v) -> {
                        if (k.equals("nested")) {
                            o.putObject("nested").set("x", v);
                        } else if (k.equals("ts") && v.isNumber()) {
                            o.put("ts", Math.floorMod(v.longValue(), 4_000_000_000_000L));
                        } else {
                            o.set(k, v);
                        }
                    });
                    return o;
                });
    }

    @Property(tries = 300)
    void sameEventSameResultAcrossCompilationsInputFormsAndThreads(@ForAll("events") JsonNode event) throws Exception {
        CompiledMapping one = MappingCompiler.compile(MAPPING);
        CompiledMapping two =
                MappingCompiler.compile(MappingCompiler.compile(MAPPING).document());
        byte[] bytes = Json.writer().writeValueAsBytes(event);

        MappingResult expected = one.apply(EventInput.ofJson(null, RECEIVED, event));
        MappingResult again = one.apply(EventInput.ofJson(null, RECEIVED, event));
        MappingResult fromBytes = two.apply(EventInput.ofBytes(null, RECEIVED, bytes));
        MappingResult onAnotherThread = POOL.submit(() -> one.apply(EventInput.ofBytes(null, RECEIVED, bytes)))
                .get();

        for (MappingResult r : List.of(again, fromBytes, onAnotherThread)) {
            assertThat(r.points()).isEqualTo(expected.points());
            assertThat(r.errors()).isEqualTo(expected.errors());
            assertThat(r.skippedByFilter()).isEqualTo(expected.skippedByFilter());
            assertThat(r.records()).isEqualTo(expected.records());
        }
    }

    @Property(tries = 300)
    void resultsAreWholeAndLabelsSorted(@ForAll("events") JsonNode event) {
        MappingResult r = MappingCompiler.compile(MAPPING).apply(EventInput.ofJson(null, RECEIVED, event));

        assertThat(r.ok()).isEqualTo(r.errors().isEmpty());
        if (!r.ok()) {
            assertThat(r.points()).isEmpty();
            assertThat(r.records()).isEmpty();
        }
        r.points().forEach(p -> {
            assertThat(Double.isFinite(p.value())).isTrue();
            assertThat(new ArrayList<>(p.labels().keySet())).isSorted();
        });
    }

    @Test
    void oneCompiledMappingServesManyThreadsConsistently() throws Exception {
        CompiledMapping m = MappingCompiler.compile(
                new String(resource("/bench/iot-reading.mapping.json"), StandardCharsets.UTF_8));
        byte[] body = resource("/bench/iot-reading.json");
        MappingResult expected = m.apply(EventInput.ofBytes(null, RECEIVED, body));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Boolean>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 2_000; i++) {
                    if (!m.apply(EventInput.ofBytes(null, RECEIVED, body))
                            .points()
                            .equals(expected.points())) {
                        return false;
                    }
                }
                return true;
            }));
        }
        for (Future<Boolean> f : futures) {
            assertThat(f.get()).isTrue();
        }
        pool.shutdown();
    }
}
