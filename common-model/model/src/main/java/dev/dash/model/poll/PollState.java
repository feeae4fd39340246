package dev.dash.model.poll;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;

/**
 * A polling pipeline's incremental state, kept in {@code poll_state.cursor} and saved after every page that
 * Kafka acknowledged: the watermark of the last finished run, and while a run is under way the position of
 * its next page, so a restarted ingestor continues with the page after the last one published.
 *
 * @param watermark the largest incremental value of the finished runs, or null
 * @param run the run in progress, or null
 */
public record PollState(JsonNode watermark, Run run) {

    /**
     * A run in progress.
     *
     * @param since the incremental value the run was started with (sent on each of its pages), or null
     * @param next the next page to fetch
     * @param max the largest incremental value seen so far, or null
     * @param pages pages published so far
     * @param records records published so far
     */
    public record Run(JsonNode since, Position next, JsonNode max, int pages, long records) {}

    /**
     * Where a page is: the first page has no cursor, URL, page number or offset.
     *
     * @param cursor a body cursor or GraphQL end cursor
     * @param url the next page's URL ({@code Link} header)
     * @param page the page number
     * @param offset the offset
     */
    public record Position(String cursor, String url, Long page, Long offset) {
        /** The first page. */
        public static final Position FIRST = new Position(null, null, null, null);
    }

    /** No state yet. */
    public static final PollState EMPTY = new PollState(null, null);

    /**
     * Reads the stored JSON.
     *
     * @param json the column value, or null
     * @return the state
     */
    public static PollState fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            return EMPTY;
        }
        JsonNode wm = nullable(json.get("watermark"));
        JsonNode r = json.get("run");
        Run run = null;
        if (r != null && r.isObject()) {
            JsonNode n = r.path("next");
            run = new Run(
                    nullable(r.get("since")),
                    new Position(
                            n.hasNonNull("cursor") ? n.get("cursor").asText() : null,
                            n.hasNonNull("url") ? n.get("url").asText() : null,
                            n.hasNonNull("page") ? n.get("page").asLong() : null,
                            n.hasNonNull("offset") ? n.get("offset").asLong() : null),
                    nullable(r.get("max")),
                    r.path("pages").asInt(),
                    r.path("records").asLong());
        }
        return new PollState(wm, run);
    }

    /**
     * The JSON to store.
     *
     * @return an object
     */
    public ObjectNode toJson() {
        ObjectNode o = Json.nodes().objectNode();
        o.set("watermark", watermark);
        if (run != null) {
            ObjectNode r = o.putObject("run");
            r.set("since", run.since());
            ObjectNode n = r.putObject("next");
            n.put("cursor", run.next().cursor());
            n.put("url", run.next().url());
            n.put("page", run.next().page());
            n.put("offset", run.next().offset());
            r.set("max", run.max());
            r.put("pages", run.pages());
            r.put("records", run.records());
        }
        return o;
    }

    private static JsonNode nullable(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n;
    }

    /**
     * The larger of two incremental values: numbers as numbers, anything else as text; null is smallest.
     *
     * @param a a value or null
     * @param b a value or null
     * @return the larger
     */
    public static JsonNode max(JsonNode a, JsonNode b) {
        if (a == null || a.isNull()) {
            return b;
        }
        if (b == null || b.isNull()) {
            return a;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) >= 0 ? a : b;
        }
        return a.asText().compareTo(b.asText()) >= 0 ? a : b;
    }
}
