package dev.dash.model.poll;

import com.fasterxml.jackson.databind.JsonNode;
import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A polling pipeline's source, parsed and checked once from its {@code source_config} JSON (docs/polling.md
 * gives the format). Web-service parses it to refuse a bad configuration when it is saved; the ingestor
 * parses the same JSON to poll, so both agree on what is valid.
 *
 * @param type {@code http} or {@code graphql}
 * @param method the HTTP method ({@code POST} for GraphQL)
 * @param url the URL, without the query parameters of {@code query}
 * @param headers extra request headers
 * @param query query parameters added to the URL
 * @param body a JSON body for HTTP sources (null for none)
 * @param graphqlQuery the GraphQL document (GraphQL sources only)
 * @param graphqlVariables the GraphQL variables (an object; GraphQL sources only)
 * @param records where the records are in a response
 * @param auth how requests authenticate
 * @param pagination how the next page is found
 * @param incremental the incremental field and parameter, or null
 * @param dedupeKey where a record's own id is, or null to identify a record by its content
 * @param maxPages the most pages one run fetches
 */
public record SourceSpec(
        String type,
        String method,
        URI url,
        Map<String, String> headers,
        Map<String, String> query,
        JsonNode body,
        String graphqlQuery,
        JsonNode graphqlVariables,
        JsonPath records,
        Auth auth,
        Pagination pagination,
        Incremental incremental,
        JsonPath dedupeKey,
        int maxPages) {

    /** The source types. */
    public static final List<String> TYPES = List.of("http", "graphql");

    /** How a request authenticates. */
    public sealed interface Auth {}

    /** No authentication. */
    public record NoAuth() implements Auth {}

    /** {@code Authorization: Bearer <token>}. */
    public record Bearer(String token) implements Auth {}

    /** HTTP basic authentication. */
    public record Basic(String username, String password) implements Auth {}

    /**
     * An API key in a header or a query parameter.
     *
     * @param inQuery true for a query parameter, false for a header
     * @param name the header or parameter name
     * @param value the key
     */
    public record ApiKey(boolean inQuery, String name, String value) implements Auth {}

    /**
     * OAuth 2 client credentials: a token fetched from {@code tokenUrl}, cached until shortly before it expires.
     *
     * @param tokenUrl the token endpoint
     * @param clientId the client id
     * @param clientSecret the client secret
     * @param scope the scope, or null
     */
    public record OAuth2ClientCredentials(URI tokenUrl, String clientId, String clientSecret, String scope)
            implements Auth {}

    /** How the next page is found. */
    public sealed interface Pagination {}

    /** One page per run. */
    public record NoPagination() implements Pagination {}

    /**
     * A cursor in the response body sent back as a parameter (query parameter, or GraphQL variable).
     *
     * @param cursorPath where the next cursor is; missing or null ends the run
     * @param param the query parameter or variable that carries it
     */
    public record CursorPagination(JsonPath cursorPath, String param) implements Pagination {}

    /** The URL of {@code Link: <...>; rel="next"}. */
    public record LinkHeaderPagination() implements Pagination {}

    /**
     * A page number parameter; a page with fewer records than {@code size} is the last.
     *
     * @param param the page parameter
     * @param start the first page's number
     * @param sizeParam the page size parameter, or null
     * @param size the page size
     */
    public record PageNumberPagination(String param, long start, String sizeParam, int size) implements Pagination {}

    /**
     * An offset parameter; a page with fewer records than {@code limit} is the last.
     *
     * @param param the offset parameter
     * @param limitParam the limit parameter, or null
     * @param limit the page size
     */
    public record OffsetPagination(String param, String limitParam, int limit) implements Pagination {}

    /**
     * GraphQL connections: {@code pageInfo { hasNextPage endCursor }}, the end cursor sent as a variable.
     *
     * @param pageInfo where the {@code pageInfo} object is
     * @param variable the variable that carries the cursor
     */
    public record GraphQlPagination(JsonPath pageInfo, String variable) implements Pagination {}

    /**
     * Incremental polling: the largest value of {@code field} seen is remembered and sent as {@code param} on
     * the next run (numbers compared as numbers, anything else as text, so ISO-8601 times order correctly).
     *
     * @param field where the value is in a record
     * @param param the query parameter or GraphQL variable that carries it
     * @param initial the value sent on the very first run, or null to send nothing
     */
    public record Incremental(JsonPath field, String param, JsonNode initial) {}

    /** Whether this is a GraphQL source. */
    public boolean graphql() {
        return "graphql".equals(type);
    }

    /**
     * Parses and checks a source configuration; the URL is checked by {@link UrlGuard#checkSyntax} as well.
     *
     * @param sourceType {@code http} or {@code graphql}
     * @param config the {@code source_config} object
     * @param guard the destination policy
     * @return the specification
     * @throws SourceConfigException naming the first field that is wrong
     */
    public static SourceSpec parse(String sourceType, JsonNode config, UrlGuard guard) {
        if (sourceType == null || !TYPES.contains(sourceType)) {
            throw new SourceConfigException("source_type", "must be one of " + TYPES);
        }
        if (config == null || !config.isObject()) {
            throw new SourceConfigException("source_config", "must be a JSON object");
        }
        boolean graphql = sourceType.equals("graphql");
        URI url = url("source_config.url", config.path("url"), guard);
        String method = graphql ? "POST" : text(config, "method", "GET").toUpperCase(Locale.ROOT);
        if (!List.of("GET", "POST").contains(method)) {
            throw new SourceConfigException("source_config.method", "must be GET or POST");
        }
        Map<String, String> headers = strings(config, "headers");
        for (String h : headers.keySet()) {
            String l = h.toLowerCase(Locale.ROOT);
            if (l.equals("host")
                    || l.equals("content-length")
                    || l.equals("transfer-encoding")
                    || l.equals("connection")) {
                throw new SourceConfigException("source_config.headers", "may not set " + h);
            }
        }
        Map<String, String> query = strings(config, "query");
        JsonNode body = config.get("body");
        if (body != null && body.isNull()) {
            body = null;
        }
        if (body != null && !method.equals("POST")) {
            throw new SourceConfigException("source_config.body", "needs method POST");
        }
        String gql = null;
        JsonNode vars = null;
        if (graphql) {
            gql = text(config, "graphql_query", null);
            if (gql == null || gql.isBlank()) {
                throw new SourceConfigException("source_config.graphql_query", "is required for a graphql source");
            }
            vars = config.get("variables");
            if (vars == null || vars.isNull()) {
                vars = dev.dash.model.json.Json.nodes().objectNode();
            } else if (!vars.isObject()) {
                throw new SourceConfigException("source_config.variables", "must be a JSON object");
            }
        }
        JsonPath records = JsonPaths.compile("source_config.records", text(config, "records", "$"));
        Auth auth = auth(config.path("auth"), guard);
        Pagination pagination = pagination(config.path("pagination"), graphql);
        Incremental incremental = null;
        JsonNode inc = config.path("incremental");
        if (!inc.isMissingNode() && !inc.isNull()) {
            if (!inc.isObject()) {
                throw new SourceConfigException("source_config.incremental", "must be a JSON object");
            }
            incremental = new Incremental(
                    JsonPaths.compile("source_config.incremental.field", text(inc, "field", null)),
                    name("source_config.incremental.param", text(inc, "param", null)),
                    inc.hasNonNull("initial") ? inc.get("initial") : null);
        }
        JsonPath dedupeKey = config.hasNonNull("dedupe_key")
                ? JsonPaths.compile("source_config.dedupe_key", text(config, "dedupe_key", null))
                : null;
        int maxPages = config.path("max_pages").asInt(100);
        if (maxPages < 1 || maxPages > 100_000) {
            throw new SourceConfigException("source_config.max_pages", "must be between 1 and 100000");
        }
        return new SourceSpec(
                sourceType,
                method,
                url,
                headers,
                query,
                body,
                gql,
                vars,
                records,
                auth,
                pagination,
                incremental,
                dedupeKey,
                maxPages);
    }

    private static URI url(String field, JsonNode n, UrlGuard guard) {
        if (!n.isTextual() || n.asText().isBlank()) {
            throw new SourceConfigException(field, "is required");
        }
        URI u;
        try {
            u = new URI(n.asText().strip());
        } catch (URISyntaxException e) {
            throw new SourceConfigException(field, "is not a valid URL: " + e.getReason());
        }
        guard.checkSyntax(field, u);
        return u;
    }

    private static Auth auth(JsonNode a, UrlGuard guard) {
        if (a.isMissingNode() || a.isNull()) {
            return new NoAuth();
        }
        if (!a.isObject()) {
            throw new SourceConfigException("source_config.auth", "must be a JSON object");
        }
        String type = text(a, "type", "none");
        return switch (type) {
            case "none" -> new NoAuth();
            case "bearer" -> new Bearer(required(a, "auth.token"));
            case "basic" -> new Basic(required(a, "auth.username"), text(a, "password", ""));
            case "api_key" -> {
                String in = text(a, "in", "header");
                if (!in.equals("header") && !in.equals("query")) {
                    throw new SourceConfigException("source_config.auth.in", "must be header or query");
                }
                yield new ApiKey(
                        in.equals("query"),
                        name("source_config.auth.name", text(a, "name", null)),
                        required(a, "auth.value"));
            }
            case "oauth2_client_credentials" ->
                new OAuth2ClientCredentials(
                        url("source_config.auth.token_url", a.path("token_url"), guard),
                        required(a, "auth.client_id"),
                        required(a, "auth.client_secret"),
                        text(a, "scope", null));
            default ->
                throw new SourceConfigException(
                        "source_config.auth.type",
                        "must be one of none, bearer, basic, api_key, oauth2_client_credentials");
        };
    }

    private static Pagination pagination(JsonNode p, boolean graphql) {
        if (p.isMissingNode() || p.isNull()) {
            return new NoPagination();
        }
        if (!p.isObject()) {
            throw new SourceConfigException("source_config.pagination", "must be a JSON object");
        }
        String type = text(p, "type", "none");
        return switch (type) {
            case "none" -> new NoPagination();
            case "cursor" ->
                new CursorPagination(
                        JsonPaths.compile("source_config.pagination.cursor_path", text(p, "cursor_path", null)),
                        name("source_config.pagination.param", text(p, "param", "cursor")));
            case "link_header" -> {
                if (graphql) {
                    throw new SourceConfigException("source_config.pagination.type", "link_header is for http sources");
                }
                yield new LinkHeaderPagination();
            }
            case "page_number" ->
                new PageNumberPagination(
                        name("source_config.pagination.param", text(p, "param", "page")),
                        p.path("start").asLong(1),
                        p.hasNonNull("size_param")
                                ? name("source_config.pagination.size_param", text(p, "size_param", null))
                                : null,
                        size(p, "size"));
            case "offset" ->
                new OffsetPagination(
                        name("source_config.pagination.param", text(p, "param", "offset")),
                        p.hasNonNull("limit_param")
                                ? name("source_config.pagination.limit_param", text(p, "limit_param", null))
                                : null,
                        size(p, "limit"));
            case "graphql" -> {
                if (!graphql) {
                    throw new SourceConfigException("source_config.pagination.type", "graphql is for graphql sources");
                }
                yield new GraphQlPagination(
                        JsonPaths.compile("source_config.pagination.page_info", text(p, "page_info", null)),
                        name("source_config.pagination.variable", text(p, "variable", "after")));
            }
            default ->
                throw new SourceConfigException(
                        "source_config.pagination.type",
                        "must be one of none, cursor, link_header, page_number, offset, graphql");
        };
    }

    private static int size(JsonNode p, String field) {
        int n = p.path(field).asInt(0);
        if (n < 1 || n > 100_000) {
            throw new SourceConfigException("source_config.pagination." + field, "must be between 1 and 100000");
        }
        return n;
    }

    private static String required(JsonNode o, String field) {
        String leaf = field.substring(field.lastIndexOf('.') + 1);
        String v = text(o, leaf, null);
        if (v == null || v.isEmpty()) {
            throw new SourceConfigException("source_config." + field, "is required");
        }
        return v;
    }

    private static String name(String field, String v) {
        if (v == null || !v.matches("[A-Za-z0-9_.\\-\\[\\]]{1,100}")) {
            throw new SourceConfigException(field, "must be a parameter name (letters, digits, _ . - [ ])");
        }
        return v;
    }

    private static String text(JsonNode o, String field, String dflt) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isValueNode()) {
            throw new SourceConfigException("source_config." + field, "must be text");
        }
        return n.asText();
    }

    private static Map<String, String> strings(JsonNode o, String field) {
        JsonNode n = o.get(field);
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            throw new SourceConfigException("source_config." + field, "must be an object of names to text");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new SourceConfigException("source_config." + field + "." + e.getKey(), "must be text");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
