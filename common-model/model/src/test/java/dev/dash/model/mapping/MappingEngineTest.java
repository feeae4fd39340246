package dev.dash.model.mapping;

import static dev.dash.model.mapping.MappingTestSupport.RECEIVED;
import static dev.dash.model.mapping.MappingTestSupport.apply;
import static dev.dash.model.mapping.MappingTestSupport.compile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.mapping.MappingError.Code;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What applying a mapping gives, feature by feature. */
class MappingEngineTest {

    /** A one-metric mapping whose value goes through {@code steps}. */
    static CompiledMapping oneField(String type, String steps) {
        return compile("{'fields':[{'name':'v','path':'/v','type':'" + type + "','transform':[" + steps
                + "]}],'metrics':['v']}");
    }

    static CompiledMapping stringField(String steps) {
        return compile(
                "{'fields':[{'name':'n','default':1,'type':'integer'},{'name':'s','path':'/v','type':'string','transform':["
                        + steps + "]}],'metrics':['n'],'labels':['s']}");
    }

    static double value(CompiledMapping m, String event) {
        MappingResult r = apply(m, event);
        assertThat(r.errors()).isEmpty();
        return r.points().get(0).value();
    }

    static String label(CompiledMapping m, String event) {
        MappingResult r = apply(m, event);
        assertThat(r.errors()).isEmpty();
        return r.points().get(0).labels().get("s");
    }

    static MappingError error(CompiledMapping m, String event) {
        MappingResult r = apply(m, event);
        assertThat(r.points()).isEmpty();
        assertThat(r.records()).isEmpty();
        assertThat(r.errors()).isNotEmpty();
        return r.errors().get(0);
    }

    @Test
    void mapsMetricsWithSortedSharedLabelsAtTheReceivedTime() {
        CompiledMapping m = compile("{'fields':["
                + "{'name':'temp','path':'/t','type':'number'},{'name':'hum','path':'/h','type':'integer'},{'name':'on','path':'/on','type':'boolean'},"
                + "{'name':'zone','path':'/z','type':'string'},{'name':'device','path':'/d/id','type':'string'}],"
                + "'metrics':['temp','hum','on'],'labels':['zone','device']}");

        MappingResult r = apply(m, "{'t':21.5,'h':40,'on':true,'z':'b','d':{'id':7}}");

        assertThat(r.errors()).isEmpty();
        assertThat(r.points())
                .extracting(Point::metric, Point::value)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("temp", 21.5),
                        org.assertj.core.groups.Tuple.tuple("hum", 40.0),
                        org.assertj.core.groups.Tuple.tuple("on", 1.0));
        Point p = r.points().get(0);
        assertThat(p.time()).isEqualTo(RECEIVED);
        assertThat(p.labels()).containsExactly(Map.entry("device", "7"), Map.entry("zone", "b"));
        assertThat(r.points().get(1).labels()).isSameAs(p.labels());
        assertThatThrownBy(() -> p.labels().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void recordsCarryEveryTypedFieldAndOmitAbsentOptionalOnes() {
        CompiledMapping m = compile("{'time':{'path':'/ts','format':'epoch_s'},'fields':["
                + "{'name':'n','path':'/n','type':'number'},{'name':'i','path':'/i','type':'integer'},{'name':'b','path':'/b','type':'boolean'},"
                + "{'name':'s','path':'/s','type':'string'},{'name':'at','path':'/at','type':'timestamp','format':'iso8601'},"
                + "{'name':'gone','path':'/gone','type':'string','required':false}],'metrics':['n']}");

        MappedRecord rec = apply(
                        m,
                        "{'ts':1763726406,'n':1.5,'i':9007199254740993,'b':false,'s':'x','at':'2026-11-21T11:15:30+01:00'}")
                .records()
                .get(0);

        assertThat(rec.time()).isEqualTo(Instant.ofEpochSecond(1763726406));
        assertThat(rec.index()).isEqualTo(-1);
        assertThat(rec.values().toString())
                .isEqualTo(
                        "{\"n\":1.5,\"i\":9007199254740993,\"b\":false,\"s\":\"x\",\"at\":\"2026-11-21T10:15:30Z\"}");
    }

    @ParameterizedTest(name = "{0} of {1} = {2}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "{'op':'scale','by':0.01}                                | 4200      | 42.0",
                "{'op':'offset','by':-273.15}                            | 300       | 26.850000000000023",
                "{'op':'offset','by':-273.15},{'op':'round','digits':2}  | 300       | 26.85",
                "{'op':'round'}                                          | 2.5       | 3.0",
                "{'op':'round'}                                          | -2.5      | -3.0",
                "{'op':'round','digits':2}                               | 2.675     | 2.68",
                "{'op':'unit','from':'F','to':'C'}                       | 212       | 100.0",
                "{'op':'unit','from':'C','to':'F'}                       | -40       | -40.0",
                "{'op':'unit','from':'ms','to':'s'}                      | 1500      | 1.5",
                "{'op':'unit','from':'KiB','to':'MiB'}                   | 2048      | 2.0",
                "{'op':'unit','from':'in','to':'cm'}                     | 1         | 2.54",
                "{'op':'unit','from':'%','to':'ratio'}                   | 45        | 0.45",
                "{'op':'unit','from':'km/h','to':'m/s'}                  | 36        | 10.0",
                "{'op':'unit','from':'kWh','to':'J'}                     | 1         | 3600000.0",
                "{'op':'parse_number'}                                   | '12.5'  | 12.5",
                "{'op':'parse_number'}                                   | ' -3e2 ' | -300.0",
                "{'op':'parse_number'}                                   | 7         | 7.0",
                "{'op':'parse_boolean'}                                  | 'yes'   | 1.0",
                "{'op':'length'}                                         | [1,2,3]   | 3.0",
                "{'op':'length'}                                         | 'héllo' | 5.0",
                "{'op':'default','value':5}                              | null      | 5.0",
                "{'op':'lookup','table':{'ok':1,'fail':0}}               | 'fail'  | 0.0",
                "{'op':'lookup','table':{'200':1},'default':0}           | 503       | 0.0",
                "{'op':'regex_extract','pattern':'(\\\\d+)ms'},{'op':'parse_number'} | 'took 42ms' | 42.0",
            })
    void transformsNumbers(String steps, String input, double expected) {
        String type = steps.contains("parse_boolean") ? "boolean" : "number";
        assertThat(value(oneField(type, steps), "{'v':" + input.replace('"', '\'') + "}"))
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} of {1} = {2}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "{'op':'lowercase'}                                     | 'ABC'                | abc",
                "{'op':'uppercase'}                                     | 'eur'                | EUR",
                "{'op':'trim'}                                          | '  x  '              | x",
                "{'op':'regex_extract','pattern':'^refs/heads/(.+)$'}   | 'refs/heads/feat/a'  | feat/a",
                "{'op':'regex_extract','pattern':'v(?<major>\\\\d+)','group':'major'} | 'v12.1' | 12",
                "{'op':'regex_extract','pattern':'x'}                   | 'abc'                | -",
                "{'op':'lookup','table':{'true':'live','false':'test'}} | true                 | live",
                "{'op':'lookup','table':{'1':'one'}}                    | 1.0                  | one",
            })
    void transformsStrings(String steps, String input, String expected) {
        String event = "{'v':" + input + "}";
        String actual = label(stringField(steps + ",{'op':'default','value':'-'}"), event);
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void coalesceTakesTheFirstPresentPathAndDefaultsApplyLast() {
        CompiledMapping m = compile("{'fields':[{'name':'v','path':'/a','type':'number','default':-1,"
                + "'transform':[{'op':'coalesce','paths':['/b','/c']}]}],'metrics':['v']}");

        assertThat(value(m, "{'a':1,'b':2}")).isEqualTo(1.0);
        assertThat(value(m, "{'a':null,'b':2,'c':3}")).isEqualTo(2.0);
        assertThat(value(m, "{'c':3}")).isEqualTo(3.0);
        assertThat(value(m, "{}")).isEqualTo(-1.0);
    }

    @Test
    void constantFieldsCountEvents() {
        CompiledMapping m = compile("{'fields':[{'name':'events','type':'integer','default':1}],'metrics':['events']}");

        assertThat(value(m, "{'anything':true}")).isEqualTo(1.0);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "iso8601  |                 | '2026-11-21T10:15:30Z'         | 2026-11-21T10:15:30Z",
                "iso8601  |                 | '2026-11-21T11:15:30.5+01:00'  | 2026-11-21T10:15:30.500Z",
                "iso8601  |                 | '2015-05-05T19:40:15-04:00'    | 2015-05-05T23:40:15Z",
                "iso8601  |                 | '2026-11-21 10:15:30'          | 2026-11-21T10:15:30Z",
                "iso8601  | 'Europe/Berlin' | '2026-11-21T11:15:30'          | 2026-11-21T10:15:30Z",
                "iso8601  |                 | '2026-11-21'                   | 2026-11-21T00:00:00Z",
                "epoch_s  |                 | 1763720130                     | 2025-11-21T10:15:30Z",
                "epoch_s  |                 | '1355517523.000005'        | 2012-12-14T20:38:43.000005Z",
                "epoch_s  |                 | 1355517523.5                   | 2012-12-14T20:38:43.500Z",
                "epoch_ms |                 | 1763720130123                  | 2025-11-21T10:15:30.123Z",
                "epoch_us |                 | 1763720130123456               | 2025-11-21T10:15:30.123456Z",
                "epoch_ns |                 | 1763720130123456789            | 2025-11-21T10:15:30.123456789Z",
                "epoch_ms |                 | -1                             | 1969-12-31T23:59:59.999Z",
            })
    void readsTimeFormats(String format, String zone, String input, String expected) {
        String zonePart = zone == null ? "" : ",'zone':" + zone;
        CompiledMapping m = compile("{'time':{'path':'/ts','format':'" + format + "'" + zonePart
                + "},'fields':[{'name':'n','type':'integer','default':1}],'metrics':['n']}");

        MappingResult r = apply(m, "{'ts':" + input + "}");

        assertThat(r.errors()).isEmpty();
        assertThat(r.points().get(0).time()).isEqualTo(Instant.parse(expected));
    }

    @Test
    void readsPatternsInAZone() {
        CompiledMapping m = compile(
                "{'time':{'path':'/ts','format':'pattern','pattern':'dd/MM/yyyy HH:mm','zone':'America/New_York'},"
                        + "'fields':[{'name':'n','type':'integer','default':1}],'metrics':['n']}");
        CompiledMapping day = compile("{'time':{'path':'/ts','format':'pattern','pattern':'yyyyMMdd'},"
                + "'fields':[{'name':'n','type':'integer','default':1}],'metrics':['n']}");

        assertThat(apply(m, "{'ts':'21/11/2026 05:15'}").points().get(0).time())
                .isEqualTo(Instant.parse("2026-11-21T10:15:00Z"));
        assertThat(apply(day, "{'ts':'20261121'}").points().get(0).time())
                .isEqualTo(Instant.parse("2026-11-21T00:00:00Z"));
        assertThat(error(m, "{'ts':'2026-11-21'}").code()).isEqualTo(Code.INVALID_VALUE);
    }

    @Test
    void timeErrorsAndTheReceivedTimeFallback() {
        String fields = ",'fields':[{'name':'n','type':'integer','default':1}],'metrics':['n']}";
        CompiledMapping strict = compile("{'time':{'path':'/ts','format':'epoch_s'}" + fields);
        CompiledMapping lenient =
                compile("{'time':{'path':'/ts','format':'epoch_s','on_missing':'received_at'}" + fields);
        CompiledMapping iso = compile("{'time':{'path':'/ts','format':'iso8601'}" + fields);

        assertThat(error(strict, "{}"))
                .extracting(MappingError::field, MappingError::code)
                .containsExactly(MappingError.TIME, Code.MISSING);
        assertThat(apply(lenient, "{}").points().get(0).time()).isEqualTo(RECEIVED);
        assertThat(error(lenient, "{'ts':'soon'}").code()).isEqualTo(Code.WRONG_TYPE);
        assertThat(error(strict, "{'ts':99999999999999}").code()).isEqualTo(Code.OUT_OF_RANGE);
        assertThat(error(strict, "{'ts':'1e999999999'}").code()).isEqualTo(Code.OUT_OF_RANGE);
        assertThat(error(iso, "{'ts':1763720130}").code()).isEqualTo(Code.WRONG_TYPE);
        assertThat(error(iso, "{'ts':'21 Nov 2026'}").code()).isEqualTo(Code.INVALID_VALUE);
    }

    @Test
    void filteredEventsGiveNothingAndAreNoError() {
        String rest = ",'fields':[{'name':'n','path':'/n','type':'number'}],'metrics':['n']}";
        CompiledMapping m =
                compile("{'filter':{'all':[{'path':'/type','eq':'invoice.paid'},{'not':{'path':'/test','eq':true}},"
                        + "{'any':[{'path':'/n','gt':10},{'path':'/tag','matches':'^vip'}]},{'path':'/cur','in':['eur','usd']},{'path':'/x','exists':false}]}"
                        + rest);

        assertThat(apply(m, "{'type':'invoice.paid','n':11,'cur':'eur'}").points())
                .hasSize(1);
        assertThat(apply(m, "{'type':'invoice.paid','n':5,'tag':'vip-1','cur':'usd'}")
                        .points())
                .hasSize(1);
        MappingResult skipped = apply(m, "{'type':'invoice.created','n':11,'cur':'eur'}");
        assertThat(skipped.ok()).isTrue();
        assertThat(skipped.points()).isEmpty();
        assertThat(skipped.skippedByFilter()).isEqualTo(1);
        assertThat(apply(m, "{'type':'invoice.paid','n':11,'cur':'eur','test':true}")
                        .points())
                .isEmpty();
        assertThat(apply(m, "{'type':'invoice.paid','n':5,'cur':'eur'}").points())
                .isEmpty();
        assertThat(apply(m, "{'type':'invoice.paid','n':11,'cur':'gbp'}").points())
                .isEmpty();
        assertThat(apply(m, "{'type':'invoice.paid','n':11,'cur':'eur','x':1}").points())
                .isEmpty();
        assertThat(apply(compile("{'filter':{'path':'/n','eq':1}" + rest), "{'n':1.0}")
                        .points())
                .hasSize(1);
        assertThat(apply(compile("{'filter':{'path':'/gone','eq':null}" + rest), "{'n':1}")
                        .points())
                .hasSize(1);
    }

    @Test
    void explodeMakesOneRowPerElementWithRootScopedFieldsAndFilters() {
        CompiledMapping m = compile("{'explode':'/readings','time':{'path':'/at','format':'epoch_s'},"
                + "'filter':{'path':'/ok','eq':true},"
                + "'fields':[{'name':'v','path':'/v','type':'number'},{'name':'device','path':'/device','scope':'root','type':'string'}],"
                + "'metrics':['v'],'labels':['device']}");

        MappingResult r = apply(
                m,
                "{'device':'d1','readings':[{'at':100,'v':1,'ok':true},{'at':200,'v':2,'ok':false},{'at':300,'v':3,'ok':true}]}");

        assertThat(r.points()).extracting(Point::value).containsExactly(1.0, 3.0);
        assertThat(r.points())
                .extracting(Point::time)
                .containsExactly(Instant.ofEpochSecond(100), Instant.ofEpochSecond(300));
        assertThat(r.points()).allSatisfy(p -> assertThat(p.labels()).containsEntry("device", "d1"));
        assertThat(r.skippedByFilter()).isEqualTo(1);
        assertThat(r.records()).extracting(MappedRecord::index).containsExactly(0, 2);
        assertThat(apply(m, "{'device':'d1','readings':[]}").points()).isEmpty();
    }

    @Test
    void explodeErrorsNameTheElement() {
        CompiledMapping m = compile(
                "{'explode':{'path':'/r','max_items':3},'fields':[{'name':'v','path':'/v','type':'number'}],'metrics':['v']}");

        assertThat(error(m, "{'r':[{'v':1},{'v':'x'}]}"))
                .extracting(MappingError::field, MappingError::code, MappingError::index)
                .containsExactly("v", Code.WRONG_TYPE, 1);
        assertThat(error(m, "{}"))
                .extracting(MappingError::field, MappingError::code)
                .containsExactly(MappingError.EXPLODE, Code.MISSING);
        assertThat(error(m, "{'r':{}}").code()).isEqualTo(Code.WRONG_TYPE);
        assertThat(error(m, "{'r':[{},{},{},{}]}").code()).isEqualTo(Code.TOO_MANY_ITEMS);
        CompiledMapping rootArray =
                compile("{'explode':'','fields':[{'name':'v','path':'/v','type':'number'}],'metrics':['v']}");
        assertThat(apply(rootArray, "[{'v':1},{'v':2}]").points()).hasSize(2);
    }

    @Test
    void eventsFailWholeWithEveryErrorNamed() {
        CompiledMapping m = compile(
                "{'fields':[{'name':'a','path':'/a','type':'number'},{'name':'b','path':'/b','type':'integer'},"
                        + "{'name':'c','path':'/c','type':'boolean'},{'name':'d','path':'/d','type':'string'}],'metrics':['a','b','c']}");

        MappingResult r = apply(m, "{'a':'12','b':1.5,'c':'yes','d':{'x':1}}");

        assertThat(r.points()).isEmpty();
        assertThat(r.ok()).isFalse();
        assertThat(r.errors())
                .extracting(MappingError::field, MappingError::code)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a", Code.WRONG_TYPE),
                        org.assertj.core.groups.Tuple.tuple("b", Code.INVALID_VALUE),
                        org.assertj.core.groups.Tuple.tuple("c", Code.WRONG_TYPE),
                        org.assertj.core.groups.Tuple.tuple("d", Code.WRONG_TYPE));
        assertThat(r.errors().get(0).reason()).contains("string \"12\"").contains("parse_number");
    }

    @Test
    void missingValuesAreErrorsUnlessOptional() {
        CompiledMapping m = compile(
                "{'fields':[{'name':'a','path':'/a','type':'number'},{'name':'b','path':'/b','type':'number','required':false}],"
                        + "'metrics':['a','b']}");

        assertThat(error(m, "{'b':1}"))
                .extracting(MappingError::field, MappingError::code)
                .containsExactly("a", Code.MISSING);
        assertThat(apply(m, "{'a':1,'b':null}").points())
                .extracting(Point::metric)
                .containsExactly("a");
    }

    @Test
    void numbersMustBeFiniteAndIntegersMustFit() {
        assertThat(error(oneField("number", ""), "{'v':1e400}").code()).isEqualTo(Code.NOT_FINITE);
        assertThat(error(oneField("number", "{'op':'scale','by':1e300}"), "{'v':1e300}")
                        .code())
                .isEqualTo(Code.NOT_FINITE);
        assertThat(error(oneField("integer", ""), "{'v':123456789012345678901234567890}")
                        .code())
                .isEqualTo(Code.OUT_OF_RANGE);
        assertThat(value(oneField("number", ""), "{'v':123456789012345678901234567890}"))
                .isEqualTo(1.2345678901234568E29);
        assertThat(value(oneField("integer", "{'op':'scale','by':0.5}"), "{'v':4}"))
                .isEqualTo(2.0);
        assertThat(error(oneField("integer", "{'op':'scale','by':0.5}"), "{'v':5}")
                        .code())
                .isEqualTo(Code.INVALID_VALUE);
        assertThat(error(oneField("number", "{'op':'parse_number'}"), "{'v':'NaN'}")
                        .code())
                .isEqualTo(Code.INVALID_VALUE);
        assertThat(error(oneField("number", "{'op':'parse_number'}"), "{'v':'0x10'}")
                        .code())
                .isEqualTo(Code.INVALID_VALUE);
        assertThat(error(oneField("number", "{'op':'lookup','table':{'a':1}}"), "{'v':'b'}")
                        .code())
                .isEqualTo(Code.INVALID_VALUE);
        assertThat(error(oneField("number", "{'op':'length'}"), "{'v':5}").code())
                .isEqualTo(Code.WRONG_TYPE);
    }

    @Test
    void bodiesThatAreNotJsonAreErrorsOnTheBody() {
        CompiledMapping m = oneField("number", "");

        assertThat(error(m, "{'v':1"))
                .extracting(MappingError::field, MappingError::code)
                .containsExactly(MappingError.BODY, Code.INVALID_JSON);
        assertThat(error(m, "{'v':1} x").reason()).contains("line 1");
        assertThat(error(m, "").reason()).contains("empty");
        assertThat(error(m, "[1,2]").code()).isEqualTo(Code.MISSING);
    }

    @Test
    void appliesToParsedTreesAndRawBytesAlike() {
        CompiledMapping m = oneField("number", "{'op':'scale','by':2}");
        MappingResult fromBytes = apply(m, "{'v':21}");
        MappingResult fromTree = m.apply(EventInput.ofJson(null, RECEIVED, MappingTestSupport.tree("{'v':21}")));

        assertThat(fromTree.points()).isEqualTo(fromBytes.points());
        assertThat(List.of(fromTree.points().get(0).value())).containsExactly(42.0);
    }
}
