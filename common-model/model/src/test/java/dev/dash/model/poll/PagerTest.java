package dev.dash.model.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.poll.PollState.Position;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PagerTest {
    static SourceSpec spec(String type, String json) throws Exception {
        return SourceSpec.parse(type, Json.parse(json), new UrlGuard(List.of("localhost")));
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void cursorInTheBody() throws Exception {
        SourceSpec s = spec("http", """
                {"url":"https://api.example.com/items?fixed=1","records":"$.data[*]",
                 "pagination":{"type":"cursor","cursor_path":"$.meta.next","param":"after"}}""");
        Pager.Call first = Pager.request(s, Position.FIRST, null);
        assertThat(first.url()).hasToString("https://api.example.com/items?fixed=1");
        Pager.Page p = Pager.parse(
                s, Position.FIRST, first.url(), null, b("{\"data\":[{\"a\":1},{\"a\":2}],\"meta\":{\"next\":\"c2\"}}"));
        assertThat(p.records()).hasSize(2);
        assertThat(p.next().cursor()).isEqualTo("c2");
        assertThat(Pager.request(s, p.next(), null).url())
                .hasToString("https://api.example.com/items?fixed=1&after=c2");
        assertThat(Pager.parse(s, p.next(), first.url(), null, b("{\"data\":[{\"a\":3}],\"meta\":{\"next\":null}}"))
                        .next())
                .isNull();
    }

    @Test
    void linkHeaderNextIsResolvedAgainstThePage() throws Exception {
        SourceSpec s = spec(
                "http", "{\"url\":\"https://api.example.com/v1/items\",\"pagination\":{\"type\":\"link_header\"}}");
        URI u = URI.create("https://api.example.com/v1/items");
        Pager.Page p = Pager.parse(
                s,
                Position.FIRST,
                u,
                List.of("<https://api.example.com/v1/items?page=1>; rel=\"prev\", </v1/items?page=3>; rel=\"next\""),
                b("[{\"a\":1}]"));
        assertThat(p.records()).hasSize(1);
        assertThat(p.next().url()).isEqualTo("https://api.example.com/v1/items?page=3");
        assertThat(Pager.request(s, p.next(), null).url()).hasToString("https://api.example.com/v1/items?page=3");
        assertThat(Pager.nextLink(List.of("<x>; rel=\"last\""))).isNull();
    }

    @Test
    void pageNumberAndOffsetStopOnAShortPage() throws Exception {
        SourceSpec pn = spec("http", """
                {"url":"https://a.example.com/i","records":"$.items",
                 "pagination":{"type":"page_number","param":"page","start":1,"size_param":"per_page","size":2}}""");
        assertThat(Pager.request(pn, Position.FIRST, null).url())
                .hasToString("https://a.example.com/i?page=1&per_page=2");
        Pager.Page full = Pager.parse(pn, Position.FIRST, null, null, b("{\"items\":[1,2]}"));
        assertThat(full.next().page()).isEqualTo(2L);
        assertThat(Pager.parse(pn, full.next(), null, null, b("{\"items\":[3]}"))
                        .next())
                .isNull();

        SourceSpec off = spec("http", """
                {"url":"https://a.example.com/i","records":"$.items",
                 "pagination":{"type":"offset","param":"offset","limit_param":"limit","limit":2}}""");
        Pager.Page o1 = Pager.parse(off, Position.FIRST, null, null, b("{\"items\":[1,2]}"));
        assertThat(o1.next().offset()).isEqualTo(2L);
        assertThat(Pager.request(off, o1.next(), null).url()).hasToString("https://a.example.com/i?offset=2&limit=2");
        assertThat(Pager.parse(off, o1.next(), null, null, b("{\"items\":[]}")).next())
                .isNull();
    }

    @Test
    void graphqlPageInfoAndVariables() throws Exception {
        SourceSpec s = spec("graphql", """
                {"url":"https://gql.example.com/graphql","graphql_query":"query($after:String,$since:String){items(after:$after,since:$since){nodes{id t} pageInfo{hasNextPage endCursor}}}",
                 "variables":{"first":2},"records":"$.data.items.nodes[*]",
                 "pagination":{"type":"graphql","page_info":"$.data.items.pageInfo","variable":"after"},
                 "incremental":{"field":"$.t","param":"since"}}""");
        Pager.Call c = Pager.request(
                s, new Position("e1", null, null, null), Json.nodes().textNode("2026-01-01"));
        JsonNode body = Json.parse(c.body());
        assertThat(c.method()).isEqualTo("POST");
        assertThat(body.path("variables").path("after").asText()).isEqualTo("e1");
        assertThat(body.path("variables").path("since").asText()).isEqualTo("2026-01-01");
        assertThat(body.path("variables").path("first").asInt()).isEqualTo(2);
        Pager.Page p = Pager.parse(s, Position.FIRST, null, null, b("""
                {"data":{"items":{"nodes":[{"id":1,"t":"2026-01-02"},{"id":2,"t":"2026-01-03"}],
                 "pageInfo":{"hasNextPage":true,"endCursor":"e2"}}}}"""));
        assertThat(p.next().cursor()).isEqualTo("e2");
        assertThat(p.max().asText()).isEqualTo("2026-01-03");
        assertThat(Pager.parse(s, p.next(), null, null, b("""
                {"data":{"items":{"nodes":[],"pageInfo":{"hasNextPage":false,"endCursor":null}}}}""")).next()).isNull();
        assertThatThrownBy(() -> Pager.parse(
                        s, Position.FIRST, null, null, b("{\"errors\":[{\"message\":\"no\"}],\"data\":null}")))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("GraphQL errors");
    }

    @Test
    void incrementalMaximumComparesNumbersAsNumbers() {
        assertThat(PollState.max(Json.nodes().numberNode(9), Json.nodes().numberNode(10))
                        .asInt())
                .isEqualTo(10);
        assertThat(PollState.max(null, Json.nodes().textNode("a")).asText()).isEqualTo("a");
    }

    @Test
    void stateRoundTrips() {
        PollState s = new PollState(
                Json.nodes().textNode("w"),
                new PollState.Run(
                        Json.nodes().numberNode(3),
                        new Position("c", null, 4L, null),
                        Json.nodes().numberNode(7),
                        2,
                        20));
        assertThat(PollState.fromJson(s.toJson())).isEqualTo(s);
    }

    @Test
    void badConfigurationsNameTheirField() {
        assertThatThrownBy(
                        () -> spec("http", "{\"url\":\"https://a.example.com\",\"pagination\":{\"type\":\"pages\"}}"))
                .isInstanceOf(SourceConfigException.class)
                .hasMessageStartingWith("source_config.pagination.type");
        assertThatThrownBy(() -> spec("http", "{\"url\":\"https://a.example.com\",\"records\":\"data[\"}"))
                .hasMessageStartingWith("source_config.records");
        assertThatThrownBy(() -> spec("http", "{\"url\":\"https://a.example.com\",\"auth\":{\"type\":\"bearer\"}}"))
                .hasMessageStartingWith("source_config.auth.token");
        assertThatThrownBy(() -> spec("graphql", "{\"url\":\"https://a.example.com\"}"))
                .hasMessageStartingWith("source_config.graphql_query");
        assertThatThrownBy(
                        () -> spec(
                                "http",
                                "{\"url\":\"https://a.example.com\",\"auth\":{\"type\":\"oauth2_client_credentials\",\"token_url\":\"http://169.254.169.254/t\",\"client_id\":\"a\",\"client_secret\":\"b\"}}"))
                .hasMessageStartingWith("source_config.auth.token_url");
    }
}
