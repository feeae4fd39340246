package dev.dash.model.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The part of a JSON document that a set of JSON Pointers can reach, read from a parser without building the rest:
 * a reader that only ever looks values up by those pointers ({@code node.at(pointer)}) gets from the subset exactly
 * what it gets from the whole tree. Objects on the way to a pointer keep only the members on the way (in document
 * order, a repeated name's last value winning, as the whole tree has it); the value a pointer ends at is read whole,
 * as {@link Json#reader()} reads it; an array, or a scalar met where the pointer goes on, is read whole too (a pointer
 * into an array keeps the whole array). Members off every pointer are skipped by the parser: still tokenised, so
 * malformed JSON and the parser's limits fail the read as they fail a whole parse, but no strings decoded, numbers
 * converted or nodes built. Immutable and thread-safe.
 *
 * <p>For the replay (issue 19: decoding each Bronze line into the body's whole tree was over half of the replay's
 * Java CPU): the mapping engine reads a body only through its pointers ({@code CompiledMapping#bodySubset}).
 */
public final class TreeSubset {
    /** Every value read whole: {@link #read} is then a plain tree read. */
    public static final TreeSubset ALL = new TreeSubset(true, Map.of());

    private static final ObjectReader TREE = Json.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The whole value here is kept. */
    private final boolean all;
    /** Members on the way to a pointer, by name (a pointer's unescaped segment). */
    private final Map<String, TreeSubset> members;

    private TreeSubset(boolean all, Map<String, TreeSubset> members) {
        this.all = all;
        this.members = members;
    }

    /**
     * The subset that the pointers reach.
     *
     * @param pointers the pointers; the empty pointer (the whole document) or a null one makes it {@link #ALL}
     * @return the subset
     */
    public static TreeSubset of(Collection<JsonPointer> pointers) {
        Node root = new Node();
        for (JsonPointer p : pointers) {
            if (p == null || p.matches()) {
                return ALL;
            }
            Node n = root;
            for (JsonPointer at = p; !at.matches(); at = at.tail()) {
                if (n.all) {
                    break;
                }
                n = n.members.computeIfAbsent(at.getMatchingProperty(), k -> new Node());
            }
            n.all = true;
            n.members.clear();
        }
        return root.freeze();
    }

    /** Whether everything is kept. */
    public boolean all() {
        return all;
    }

    /**
     * Reads the value at the parser's current token (its first token: a scalar, or the start of an object or array)
     * and leaves the parser on the value's last token, as {@code ObjectReader.readTree(JsonParser)} does.
     *
     * @param p the parser, on the value's first token
     * @return the subset of the value
     * @throws IOException if the JSON is malformed or breaks the parser's limits
     */
    public JsonNode read(JsonParser p) throws IOException {
        if (all || p.currentToken() != JsonToken.START_OBJECT) {
            return whole(p);
        }
        ObjectNode o = Json.nodes().objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            TreeSubset member = members.get(name);
            if (member == null) {
                // Scalars are skipped by the next nextToken (still tokenised); containers here.
                p.skipChildren();
            } else if (member.all && t == JsonToken.VALUE_STRING) {
                // What the tree deserializer makes of a string.
                o.set(name, TextNode.valueOf(p.getText()));
            } else {
                o.set(name, member.read(p));
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new IOException("unexpected end of input in an object");
        }
        return o;
    }

    private static JsonNode whole(JsonParser p) throws IOException {
        JsonNode n = TREE.readTree(p);
        return n == null ? NullNode.getInstance() : n;
    }

    /** The mutable trie {@link #of} builds. */
    private static final class Node {
        boolean all;
        final Map<String, Node> members = new HashMap<>();

        TreeSubset freeze() {
            if (all) {
                return ALL;
            }
            Map<String, TreeSubset> m = new HashMap<>();
            members.forEach((k, v) -> m.put(k, v.freeze()));
            return new TreeSubset(false, Map.copyOf(m));
        }
    }
}
