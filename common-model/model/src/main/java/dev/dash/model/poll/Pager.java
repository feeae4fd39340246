package dev.dash.model.poll;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
import dev.dash.model.poll.PollState.Position;
import dev.dash.model.poll.SourceSpec.CursorPagination;
import dev.dash.model.poll.SourceSpec.GraphQlPagination;
import dev.dash.model.poll.SourceSpec.LinkHeaderPagination;
import dev.dash.model.poll.SourceSpec.OffsetPagination;
import dev.dash.model.poll.SourceSpec.PageNumberPagination;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pure part of polling: which request fetches a page, and what a response holds (records, the next page,
 * the largest incremental value). No I/O, so every pagination style is tested without a server.
 */
public final class Pager {
    private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*((?:;\\s*[^;,]+)*)");
    private static final Pattern REL_NEXT = Pattern.compile(";\\s*rel\\s*=\\s*\"?([^\";]*)\"?");

    private Pager() {}

    /**
     * A request before authentication.
     *
     * @param method GET or POST
     * @param url the full URL
     * @param headers request headers
     * @param body the body, or null
     */
    public record Call(String method, URI url, Map<String, String> headers, byte[] body) {}

    /**
     * What one page held.
     *
     * @param records the records, in order
     * @param next the next page, or null when this was the last
     * @param max the largest incremental value among the records, or null
     */
    public record Page(List<JsonNode> records, Position next, JsonNode max) {}

    /**
     * The request for a page.
     *
     * @param spec the source
     * @param pos the page
     * @param since the incremental value to send, or null
     * @return the request
     */
    public static Call request(SourceSpec spec, Position pos, JsonNode since) {
        Map<String, String> params = new LinkedHashMap<>();
        ObjectNode vars = spec.graphql() ? spec.graphqlVariables().deepCopy() : null;
        if (since != null && spec.incremental() != null) {
            put(params, vars, spec.incremental().param(), since);
        }
        SourceSpec.Pagination pg = spec.pagination();
        if (pg instanceof CursorPagination c) {
            if (pos.cursor() != null) {
                put(params, vars, c.param(), Json.nodes().textNode(pos.cursor()));
            }
        } else if (pg instanceof GraphQlPagination g) {
            if (pos.cursor() != null) {
                vars.put(g.variable(), pos.cursor());
            }
        } else if (pg instanceof PageNumberPagination p) {
            put(params, vars, p.param(), Json.nodes().numberNode(pos.page() == null ? p.start() : pos.page()));
            if (p.sizeParam() != null) {
                put(params, vars, p.sizeParam(), Json.nodes().numberNode(p.size()));
            }
        } else if (pg instanceof OffsetPagination o) {
            put(params, vars, o.param(), Json.nodes().numberNode(pos.offset() == null ? 0 : pos.offset()));
            if (o.limitParam() != null) {
                put(params, vars, o.limitParam(), Json.nodes().numberNode(o.limit()));
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        headers.putAll(spec.headers());
        URI url;
        if (pos.url() != null) {
            // A Link header's URL is complete: it carries the server's own parameters.
            url = URI.create(pos.url());
        } else {
            Map<String, String> q = new LinkedHashMap<>(spec.query());
            q.putAll(params);
            url = withQuery(spec.url(), q);
        }
        byte[] body = null;
        if (spec.graphql()) {
            ObjectNode b = Json.nodes().objectNode();
            b.put("query", spec.graphqlQuery());
            b.set("variables", vars);
            body = b.toString().getBytes(StandardCharsets.UTF_8);
            headers.putIfAbsent("Content-Type", "application/json");
        } else if (spec.body() != null) {
            body = spec.body().toString().getBytes(StandardCharsets.UTF_8);
            headers.putIfAbsent("Content-Type", "application/json");
        }
        return new Call(spec.method(), url, headers, body);
    }

    private static void put(Map<String, String> params, ObjectNode vars, String name, JsonNode value) {
        if (vars != null) {
            vars.set(name, value);
        } else {
            params.put(name, value.asText());
        }
    }

    /**
     * Adds query parameters to a URL.
     *
     * @param base the URL, perhaps with a query already
     * @param q the parameters to add
     * @return the URL
     */
    public static URI withQuery(URI base, Map<String, String> q) {
        if (q.isEmpty()) {
            return base;
        }
        StringBuilder s = new StringBuilder(base.toString());
        int hash = s.indexOf("#");
        if (hash >= 0) {
            s.setLength(hash);
        }
        boolean first = base.getRawQuery() == null || base.getRawQuery().isEmpty();
        for (Map.Entry<String, String> e : q.entrySet()) {
            s.append(first ? (s.indexOf("?") >= 0 ? "" : "?") : "&");
            first = false;
            s.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return URI.create(s.toString());
    }

    /**
     * Reads a page from a successful response.
     *
     * @param spec the source
     * @param pos the page that was fetched
     * @param url the URL it was fetched from (to resolve a relative {@code Link})
     * @param linkHeaders the response's {@code Link} header values
     * @param body the response body
     * @return the page
     * @throws SourceException when the body is not JSON or a GraphQL response carries errors
     */
    public static Page parse(SourceSpec spec, Position pos, URI url, List<String> linkHeaders, byte[] body) {
        JsonNode doc;
        try {
            doc = Json.parse(body);
        } catch (IOException e) {
            throw new SourceException(SourceException.Kind.BAD_RESPONSE, "the response is not JSON: " + e.getMessage());
        }
        if (spec.graphql()
                && doc.path("errors").isArray()
                && !doc.path("errors").isEmpty()
                && doc.path("data").isNull()) {
            throw new SourceException(
                    SourceException.Kind.BAD_RESPONSE,
                    "GraphQL errors: " + abbreviate(doc.get("errors").toString()));
        }
        List<JsonNode> records = JsonPaths.select(spec.records(), doc);
        JsonNode max = null;
        if (spec.incremental() != null) {
            for (JsonNode r : records) {
                max = PollState.max(max, JsonPaths.value(spec.incremental().field(), r));
            }
        }
        Position next = null;
        SourceSpec.Pagination pg = spec.pagination();
        if (pg instanceof CursorPagination c) {
            JsonNode cur = JsonPaths.value(c.cursorPath(), doc);
            String s = cur == null ? null : cur.asText();
            if (s != null && !s.isEmpty() && !s.equals(pos.cursor()) && !records.isEmpty()) {
                next = new Position(s, null, null, null);
            }
        } else if (pg instanceof GraphQlPagination g) {
            JsonNode info = JsonPaths.value(g.pageInfo(), doc);
            boolean more = info != null && info.path("hasNextPage").asBoolean(false);
            String end = info == null || !info.hasNonNull("endCursor")
                    ? null
                    : info.get("endCursor").asText();
            if (more && end != null && !end.equals(pos.cursor())) {
                next = new Position(end, null, null, null);
            }
        } else if (pg instanceof LinkHeaderPagination) {
            String n = nextLink(linkHeaders);
            if (n != null) {
                next = new Position(null, url.resolve(n).toString(), null, null);
            }
        } else if (pg instanceof PageNumberPagination p) {
            if (records.size() >= p.size()) {
                next = new Position(null, null, (pos.page() == null ? p.start() : pos.page()) + 1, null);
            }
        } else if (pg instanceof OffsetPagination o) {
            if (records.size() >= o.limit()) {
                next = new Position(null, null, null, (pos.offset() == null ? 0 : pos.offset()) + records.size());
            }
        }
        return new Page(records, next, max);
    }

    /**
     * The target of {@code rel="next"} among {@code Link} header values (RFC 8288), or null.
     *
     * @param values the header values
     * @return the URL reference, or null
     */
    public static String nextLink(List<String> values) {
        if (values == null) {
            return null;
        }
        for (String v : values) {
            Matcher m = LINK.matcher(v);
            while (m.find()) {
                Matcher rel = REL_NEXT.matcher(m.group(2));
                while (rel.find()) {
                    for (String r : rel.group(1).trim().split("\\s+")) {
                        if (r.equalsIgnoreCase("next")) {
                            return m.group(1).trim();
                        }
                    }
                }
            }
        }
        return null;
    }

    static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
