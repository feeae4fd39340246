package dev.dash.model.mapping;

import static dev.dash.model.mapping.MappingTestSupport.compile;
import static dev.dash.model.mapping.MappingTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Invalid documents are rejected at compile time with the location of each mistake. */
class MappingCompilerTest {
    static final String FIELD = "{'name':'t','path':'/t','type':'number'}";

    static String doc(String fields, String rest) {
        return "{'fields':[" + fields + "],'metrics':['t']" + (rest.isEmpty() ? "" : "," + rest) + "}";
    }

    @Test
    void compilesAValidDocumentAndExposesItsShape() {
        CompiledMapping m = compile(doc(
                FIELD
                        + ",{'name':'zone','path':'/z','type':'string'},{'name':'area','path':'/a','type':'string'},{'name':'note','path':'/n','type':'string','required':false}",
                "'labels':['zone','area'],'time':{'path':'/ts','format':'epoch_ms'},'description':'x','version':1"));

        assertThat(m.metrics()).containsExactly("t");
        assertThat(m.labels()).containsExactly("area", "zone");
        assertThat(m.fields()).containsExactly("t", "zone", "area", "note");
        assertThat(m.document().get("description").textValue()).isEqualTo("x");
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("[]", "", "a mapping must be a JSON object"),
                Arguments.of("{'metrics':['t']}", "/fields", "'fields' must be an array"),
                Arguments.of("{'fields':[" + FIELD + "]}", "/metrics", "'metrics' is required"),
                Arguments.of(doc(FIELD, "'version':2"), "/version", "unsupported"),
                Arguments.of(doc(FIELD, "'mapings':{}"), "/mapings", "unknown property 'mapings'"),
                Arguments.of(
                        doc("{'name':'t','path':'/t','type':'number','tranform':[]}", ""),
                        "/fields/0/tranform",
                        "unknown property"),
                Arguments.of(
                        doc("{'name':'t','path':'$.data.t','type':'number'}", ""), "/fields/0/path", "write '/data/t'"),
                Arguments.of(
                        doc("{'name':'t','path':'data','type':'number'}", ""), "/fields/0/path", "not a JSON Pointer"),
                Arguments.of(doc("{'name':'t','type':'number'}", ""), "/fields/0/path", "'path' is required"),
                Arguments.of(
                        doc("{'name':'9t','path':'/t','type':'number'}", ""),
                        "/fields/0/name",
                        "field names start with"),
                Arguments.of(
                        doc("{'name':'t','path':'/t','type':'float'}", ""), "/fields/0/type", "unknown type 'float'"),
                Arguments.of(doc(FIELD + "," + FIELD, ""), "/fields/1/name", "duplicate field name 't'"),
                Arguments.of(
                        doc("{'name':'t','path':'/t','type':'number','format':'iso8601'}", ""),
                        "/fields/0/format",
                        "only used by fields of type timestamp"),
                Arguments.of(
                        doc("{'name':'t','path':'/t','type':'number','default':'n/a'}", ""),
                        "/fields/0/default",
                        "does not fit type number"),
                Arguments.of(
                        doc("{'name':'t','path':'/t','type':'number','transform':[{'op':'scale'}]}", ""),
                        "/fields/0/transform/0/by",
                        "'by' is required"),
                Arguments.of(
                        doc("{'name':'t','path':'/t','type':'number','transform':[{'op':'scale','by':'2'}]}", ""),
                        "/fields/0/transform/0/by",
                        "finite number"),
                Arguments.of(
                        doc("{'name':'t','path':'/t','type':'number','transform':[{'op':'multiply','by':2}]}", ""),
                        "/fields/0/transform/0/op",
                        "unknown op 'multiply'"),
                Arguments.of(
                        doc("{'name':'t','path':'/t','type':'number','transform':[{'op':'round','digits':20}]}", ""),
                        "/fields/0/transform/0/digits",
                        "from 0 to 12"),
                Arguments.of(
                        doc(
                                "{'name':'t','path':'/t','type':'number','transform':[{'op':'unit','from':'F','to':'kg'}]}",
                                ""),
                        "/fields/0/transform/0/to",
                        "cannot convert temperature"),
                Arguments.of(
                        doc(
                                "{'name':'t','path':'/t','type':'number','transform':[{'op':'unit','from':'furlong','to':'m'}]}",
                                ""),
                        "/fields/0/transform/0/from",
                        "unknown unit 'furlong'"),
                Arguments.of(
                        doc(
                                "{'name':'t','path':'/t','type':'number','transform':[{'op':'regex_extract','pattern':'(a'}]}",
                                ""),
                        "/fields/0/transform/0/pattern",
                        "invalid regular expression"),
                Arguments.of(
                        doc(
                                "{'name':'t','path':'/t','type':'number','transform':[{'op':'regex_extract','pattern':'(a)','group':2}]}",
                                ""),
                        "/fields/0/transform/0/group",
                        "from 0 to 1"),
                Arguments.of(
                        doc(
                                "{'name':'t','path':'/t','type':'number','transform':[{'op':'lookup','table':{'a':[1]}}]}",
                                ""),
                        "/fields/0/transform/0/table/a",
                        "lookup values"),
                Arguments.of(
                        doc(
                                "{'name':'t','path':'/t','type':'number','transform':[{'op':'coalesce','paths':['x']}]}",
                                ""),
                        "/fields/0/transform/0/paths/0",
                        "not a JSON Pointer"),
                Arguments.of(
                        doc("{'name':'t','path':'/t','type':'number','transform':[{'op':'trim','by':1}]}", ""),
                        "/fields/0/transform/0/by",
                        "unknown property"),
                Arguments.of(
                        doc("{'name':'t','path':'/t','type':'number','scope':'parent'}", ""),
                        "/fields/0/scope",
                        "'item' or 'root'"),
                Arguments.of(
                        doc(FIELD + ",{'name':'s','path':'/s','type':'string'}", "'metrics':['t','s']")
                                .replace("'metrics':['t'],", ""),
                        "/metrics/1",
                        "metrics must be number"),
                Arguments.of(doc(FIELD, "'labels':['nope']"), "/labels/0", "no field named 'nope'"),
                Arguments.of(doc(FIELD, "'labels':['t']"), "/labels", "both a metric and a label"),
                Arguments.of(doc(FIELD, "'time':{'path':'/ts'}"), "/time/format", "'format' is required"),
                Arguments.of(
                        doc(FIELD, "'time':{'path':'/ts','format':'rfc2822'}"), "/time/format", "unknown time format"),
                Arguments.of(
                        doc(FIELD, "'time':{'path':'/ts','format':'pattern'}"), "/time/pattern", "needs a 'pattern'"),
                Arguments.of(
                        doc(FIELD, "'time':{'path':'/ts','format':'pattern','pattern':'yyyy-MM-dd bb'}"),
                        "/time/pattern",
                        "invalid date-time pattern"),
                Arguments.of(
                        doc(FIELD, "'time':{'path':'/ts','format':'iso8601','zone':'Mars/Olympus'}"),
                        "/time/zone",
                        "unknown time zone"),
                Arguments.of(
                        doc(FIELD, "'time':{'path':'/ts','format':'iso8601','on_missing':'skip'}"),
                        "/time/on_missing",
                        "'error' or 'received_at'"),
                Arguments.of(doc(FIELD, "'explode':{'path':'/r','max_items':0}"), "/explode/max_items", "from 1 to"),
                Arguments.of(doc(FIELD, "'explode':7"), "/explode", "'explode'"),
                Arguments.of(doc(FIELD, "'filter':{'path':'/x'}"), "/filter", "needs one operator"),
                Arguments.of(doc(FIELD, "'filter':{'path':'/x','eq':1,'ne':2}"), "/filter/ne", "exactly one operator"),
                Arguments.of(
                        doc(FIELD, "'filter':{'all':[{'path':'/x','gt':'5'}]}"), "/filter/all/0/gt", "finite number"),
                Arguments.of(doc(FIELD, "'filter':{'any':[]}"), "/filter/any", "1 to 100 conditions"),
                Arguments.of(
                        doc(FIELD, "'filter':{'not':{'path':'/x','matches':'['}}"),
                        "/filter/not/matches",
                        "invalid regular expression"));
    }

    @ParameterizedTest
    @MethodSource("mistakes")
    void rejectsTheMistakeAtItsLocation(String document, String pointer, String message) {
        MappingCompileException e = catchThrowableOfType(MappingCompileException.class, () -> compile(document));

        assertThat(e).as(document).isNotNull();
        assertThat(e.problems()).as(e.getMessage()).anySatisfy(p -> {
            assertThat(p.pointer()).isEqualTo(pointer);
            assertThat(p.message()).contains(message);
        });
    }

    @Test
    void reportsEveryProblemAtOnce() {
        MappingCompileException e = catchThrowableOfType(
                MappingCompileException.class,
                () -> compile(
                        "{'fields':[{'name':'a','path':'x','type':'number'},{'name':'b','path':'/b','type':'text'}],'metrics':['a','b'],'extra':1}"));

        assertThat(e.problems())
                .extracting(MappingProblem::pointer)
                .contains("/extra", "/fields/0/path", "/fields/1/type");
    }

    @Test
    void rejectsInvalidJsonTextAndDuplicateKeysWithLineAndColumn() {
        MappingCompileException broken = catchThrowableOfType(
                MappingCompileException.class, () -> MappingCompiler.compile("{\n  \"fields\": [,]\n}"));
        MappingCompileException dup = catchThrowableOfType(
                MappingCompileException.class,
                () -> MappingCompiler.compile(json("{'metrics':['a'],'metrics':['b']}")));

        assertThat(broken.problems()).singleElement().satisfies(p -> {
            assertThat(p.pointer()).isEmpty();
            assertThat(p.message()).contains("line 2");
        });
        assertThat(dup.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("Duplicate field 'metrics'"));
    }

    @Test
    void theCompiledFormDoesNotShareTheDocument() {
        var doc = MappingTestSupport.tree(doc(FIELD, ""));
        CompiledMapping m = MappingCompiler.compile(doc);
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc).put("description", "changed later");

        assertThat(m.document().has("description")).isFalse();
        assertThat(List.of(m.metrics())).hasSize(1);
    }
}
