package dev.dash.model.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.inference.FieldSuggestion.Role;
import dev.dash.model.json.Json;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.FieldType;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingPreview;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Proposes a mapping from sample events: numeric leaves become metrics, low-cardinality short strings
 * become labels, and a timestamp-looking leaf becomes the time. When every sample is a JSON array, the
 * mapping explodes it and looks at the elements. Events with no numeric leaf get an {@code events} count
 * metric. The proposal always compiles; {@link InferenceResult#preview()} shows it applied to the samples.
 *
 * <p>Leaves inside arrays are not considered (a mapping reads one value per field); nesting is followed
 * down to {@value #MAX_DEPTH} objects.
 */
public final class SchemaInference {
    /** How deep into nested objects leaves are looked for. */
    public static final int MAX_DEPTH = 8;

    private static final int MAX_LEAVES = 1_000;
    private static final int DISTINCT_CAP = 1_000;
    private static final Pattern UUID_LIKE =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern HEX_LIKE = Pattern.compile("[0-9a-fA-F]{16,}");
    private static final Pattern INVALID_NAME_CHARS = Pattern.compile("[^A-Za-z0-9_]");
    private static final List<String> TIME_NAMES = List.of(
            "timestamp",
            "time",
            "ts",
            "event_time",
            "occurred_at",
            "created_at",
            "created",
            "date",
            "datetime",
            "received_at",
            "updated_at");
    /** 2000-01-01 and 2100-01-01 in Unix seconds: the plausible range for an epoch time field. */
    private static final long EPOCH_MIN = 946_684_800L;

    private static final long EPOCH_MAX = 4_102_444_800L;

    /**
     * Limits of a proposal.
     *
     * @param maxMetrics most metrics proposed
     * @param maxLabels most labels proposed
     * @param maxLabelCardinality most distinct values a label may show in the samples
     */
    public record Options(int maxMetrics, int maxLabels, int maxLabelCardinality) {
        /** The defaults: 100 metrics, 8 labels, 50 distinct values. */
        public static final Options DEFAULTS = new Options(100, 8, 50);
    }

    private SchemaInference() {}

    /**
     * Proposes a mapping from raw sample bodies; bodies that are not JSON are counted as unusable.
     *
     * @param bodies raw JSON bodies
     * @return the proposal
     * @throws IllegalArgumentException if no sample is usable
     */
    public static InferenceResult inferFromBodies(List<byte[]> bodies) {
        List<JsonNode> parsed = new ArrayList<>(bodies.size());
        int unusable = 0;
        for (byte[] body : bodies) {
            try {
                JsonNode n = Json.parse(body);
                if (n.isMissingNode()) {
                    unusable++;
                } else {
                    parsed.add(n);
                }
            } catch (IOException e) {
                unusable++;
            }
        }
        return infer(parsed, Options.DEFAULTS, unusable, bodies.size());
    }

    /**
     * Proposes a mapping from parsed samples with the default limits.
     *
     * @param samples sample bodies
     * @return the proposal
     * @throws IllegalArgumentException if no sample is usable
     */
    public static InferenceResult infer(List<JsonNode> samples) {
        return infer(samples, Options.DEFAULTS, 0, samples.size());
    }

    /**
     * Proposes a mapping from parsed samples.
     *
     * @param samples sample bodies
     * @param options limits
     * @return the proposal
     * @throws IllegalArgumentException if no sample is usable
     */
    public static InferenceResult infer(List<JsonNode> samples, Options options) {
        return infer(samples, options, 0, samples.size());
    }

    private static InferenceResult infer(List<JsonNode> samples, Options options, int unusable, int total) {
        boolean explode = !samples.isEmpty() && samples.stream().allMatch(JsonNode::isArray);
        List<JsonNode> rows = new ArrayList<>();
        List<JsonNode> usable = new ArrayList<>();
        for (JsonNode s : samples) {
            if (explode) {
                boolean any = false;
                for (JsonNode e : s) {
                    if (e.isObject()) {
                        rows.add(e);
                        any = true;
                    }
                }
                if (any) {
                    usable.add(s);
                } else {
                    unusable++;
                }
            } else if (s.isObject()) {
                rows.add(s);
                usable.add(s);
            } else {
                unusable++;
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no usable sample: give JSON objects, or arrays of JSON objects");
        }
        Map<String, Leaf> leaves = new LinkedHashMap<>();
        for (JsonNode row : rows) {
            walk(row, "", new ArrayList<>(), 0, leaves);
        }
        int rowCount = rows.size();
        List<FieldSuggestion> suggestions = new ArrayList<>();
        Leaf time = chooseTime(leaves.values(), rowCount);
        assignNames(leaves.values());

        List<Leaf> metrics = new ArrayList<>();
        List<Leaf> labelCandidates = new ArrayList<>();
        for (Leaf leaf : leaves.values()) {
            if (leaf == time) {
                continue;
            }
            if (leaf.isNumeric()) {
                if (leaf.looksLikeId()) {
                    leaf.reason = "a numeric identifier, not a measurement";
                } else if (leaf.epochLike && leaf.timeName()) {
                    leaf.reason = "looks like a time, not a measurement";
                } else if (metrics.size() < options.maxMetrics()) {
                    metrics.add(leaf);
                    leaf.role = Role.METRIC;
                    leaf.reason = "numeric in every sample that has it";
                } else {
                    leaf.reason = "over the limit of " + options.maxMetrics() + " metrics";
                }
            } else if (leaf.isTextual() || leaf.isBoolean()) {
                String why = leaf.labelRejection(options.maxLabelCardinality(), rowCount);
                if (why == null) {
                    labelCandidates.add(leaf);
                } else {
                    leaf.reason = why;
                }
            } else {
                leaf.reason = "mixed types across samples";
            }
        }
        // Strings describe a series better than booleans; fewer distinct values and shallower leaves first.
        labelCandidates.sort(Comparator.comparing((Leaf l) -> l.isBoolean())
                .thenComparingInt(l -> l.distinct.size())
                .thenComparingInt(l -> l.depth)
                .thenComparing(l -> l.name));
        List<Leaf> labels = new ArrayList<>();
        for (Leaf l : labelCandidates) {
            if (labels.size() < options.maxLabels()) {
                labels.add(l);
                l.role = Role.LABEL;
                l.reason = l.distinct.size() + " distinct value(s) in " + rowCount + " sample row(s)";
            } else {
                l.reason = "over the limit of " + options.maxLabels() + " labels";
            }
        }

        ObjectNode mapping = Json.nodes().objectNode();
        mapping.put("version", MappingCompiler.LANGUAGE_VERSION);
        mapping.put("description", "Inferred from " + total + " sample(s); review before saving.");
        if (time != null) {
            ObjectNode t = mapping.putObject("time");
            t.put("path", time.path);
            t.put("format", time.timeFormat);
            if (time.present < rowCount) {
                t.put("on_missing", "received_at");
            }
            time.role = Role.TIME;
            time.reason = "parses as " + time.timeFormat + " in every sample that has it";
        }
        if (explode) {
            mapping.put("explode", "");
        }
        ArrayNode fields = mapping.putArray("fields");
        ArrayNode metricNames = mapping.putArray("metrics");
        ArrayNode labelNames = mapping.putArray("labels");
        for (Leaf m : metrics) {
            ObjectNode f = fields.addObject();
            f.put("name", m.name);
            f.put("path", m.path);
            f.put("type", m.integral ? "integer" : "number");
            if (m.present < rowCount) {
                f.put("required", false);
            }
            metricNames.add(m.name);
        }
        if (metrics.isEmpty()) {
            String name = uniqueName("events", leaves.values());
            ObjectNode f = fields.addObject();
            f.put("name", name);
            f.put("type", "integer");
            f.put("default", 1);
            f.put("description", "Counts events: no numeric leaf was found in the samples.");
            metricNames.add(name);
        }
        for (Leaf l : labels) {
            ObjectNode f = fields.addObject();
            f.put("name", l.name);
            f.put("path", l.path);
            f.put("type", "string");
            if (l.present < rowCount) {
                f.put("required", false);
            }
            labelNames.add(l.name);
        }
        for (Leaf leaf : leaves.values()) {
            suggestions.add(new FieldSuggestion(
                    leaf.path,
                    leaf.name,
                    leaf.type(),
                    leaf.role,
                    leaf.present,
                    leaf.isNumeric() ? -1 : leaf.distinct.size(),
                    leaf.reason == null ? "not numeric" : leaf.reason));
        }
        CompiledMapping compiled = MappingCompiler.compile(mapping);
        List<EventInput> inputs = new ArrayList<>(usable.size());
        Instant now = Instant.now();
        for (JsonNode s : usable) {
            inputs.add(EventInput.ofJson(null, now, s));
        }
        return new InferenceResult(
                mapping, compiled, List.copyOf(suggestions), MappingPreview.preview(compiled, inputs), total, unusable);
    }

    private static void walk(JsonNode node, String pointer, List<String> tokens, int depth, Map<String, Leaf> leaves) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            String path = pointer + "/" + key.replace("~", "~0").replace("/", "~1");
            if (value.isObject()) {
                if (depth + 1 < MAX_DEPTH) {
                    tokens.add(key);
                    walk(value, path, tokens, depth + 1, leaves);
                    tokens.remove(tokens.size() - 1);
                }
            } else if (!value.isArray()) {
                Leaf leaf = leaves.get(path);
                if (leaf == null) {
                    if (leaves.size() >= MAX_LEAVES) {
                        continue;
                    }
                    List<String> leafTokens = new ArrayList<>(tokens);
                    leafTokens.add(key);
                    leaf = new Leaf(path, leafTokens, depth);
                    leaves.put(path, leaf);
                }
                leaf.observe(value);
            }
        }
    }

    private static Leaf chooseTime(Iterable<Leaf> leaves, int rows) {
        Leaf best = null;
        int bestScore = Integer.MIN_VALUE;
        for (Leaf leaf : leaves) {
            if (leaf.present == 0) {
                continue;
            }
            String format;
            if (leaf.isTextual() && leaf.allIso) {
                format = "iso8601";
            } else if (leaf.isNumeric() && leaf.integral && leaf.epochLike && leaf.timeName()) {
                format = leaf.epochMillis ? "epoch_ms" : "epoch_s";
            } else {
                continue;
            }
            String last = leaf.lastToken().toLowerCase(Locale.ROOT);
            int rank = TIME_NAMES.indexOf(last);
            int score = (rank >= 0 ? 100 - rank : leaf.timeName() ? 50 : 0)
                    + (leaf.present == rows ? 200 : 0)
                    - leaf.depth * 10;
            if (score > bestScore) {
                bestScore = score;
                best = leaf;
                leaf.timeFormat = format;
            }
        }
        return best;
    }

    /** Names each leaf by its last token, prefixed by parents only where names would collide. */
    private static void assignNames(Iterable<Leaf> leaves) {
        Map<String, List<Leaf>> byName = new LinkedHashMap<>();
        for (Leaf leaf : leaves) {
            leaf.suffixLength = 1;
            byName.computeIfAbsent(leaf.candidateName(), k -> new ArrayList<>()).add(leaf);
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            Map<String, List<Leaf>> next = new LinkedHashMap<>();
            for (Map.Entry<String, List<Leaf>> e : byName.entrySet()) {
                List<Leaf> group = e.getValue();
                if (group.size() > 1) {
                    for (Leaf leaf : group) {
                        if (leaf.suffixLength < leaf.tokens.size()) {
                            leaf.suffixLength++;
                            changed = true;
                        }
                    }
                }
                for (Leaf leaf : group) {
                    next.computeIfAbsent(leaf.candidateName(), k -> new ArrayList<>())
                            .add(leaf);
                }
            }
            byName = next;
        }
        Set<String> taken = new HashSet<>();
        for (List<Leaf> group : byName.values()) {
            for (Leaf leaf : group) {
                String name = leaf.candidateName();
                String unique = name;
                for (int i = 2; !taken.add(unique); i++) {
                    unique = truncate(name, 95) + "_" + i;
                }
                leaf.name = unique;
            }
        }
    }

    private static String uniqueName(String base, Iterable<Leaf> leaves) {
        Set<String> names = new HashSet<>();
        leaves.forEach(l -> names.add(l.name));
        String name = base;
        for (int i = 2; names.contains(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /** Statistics of one leaf path across the sample rows. */
    private static final class Leaf {
        final String path;
        final List<String> tokens;
        final int depth;
        int present;
        int numbers;
        int strings;
        int booleans;
        boolean integral = true;
        boolean allIso = true;
        boolean epochLike = true;
        boolean epochMillis;
        int maxLength;
        boolean freeText;
        boolean urlOrId;
        boolean email;
        final Set<String> distinct = new HashSet<>();
        int suffixLength = 1;
        String name;
        String timeFormat;
        Role role = Role.IGNORED;
        String reason;

        Leaf(String path, List<String> tokens, int depth) {
            this.path = path;
            this.tokens = tokens;
            this.depth = depth;
        }

        void observe(JsonNode value) {
            if (value.isNull()) {
                return;
            }
            present++;
            if (value.isNumber()) {
                numbers++;
                allIso = false;
                if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                    integral = false;
                    epochLike = false;
                } else {
                    long v = value.longValue();
                    boolean seconds = v >= EPOCH_MIN && v < EPOCH_MAX;
                    boolean millis = v >= EPOCH_MIN * 1000 && v < EPOCH_MAX * 1000;
                    epochLike &= seconds || millis;
                    epochMillis |= millis;
                }
            } else if (value.isTextual()) {
                strings++;
                epochLike = false;
                String s = value.textValue();
                maxLength = Math.max(maxLength, s.length());
                if (distinct.size() <= DISTINCT_CAP) {
                    distinct.add(s);
                }
                if (allIso && !isIso(s)) {
                    allIso = false;
                }
                if (s.contains("://")
                        || UUID_LIKE.matcher(s).matches()
                        || HEX_LIKE.matcher(s).matches()) {
                    urlOrId = true;
                }
                if (s.indexOf('@') > 0 && s.indexOf(' ') < 0) {
                    email = true;
                }
                if (s.length() > 24 && s.indexOf(' ') >= 0) {
                    freeText = true;
                }
            } else if (value.isBoolean()) {
                booleans++;
                allIso = false;
                epochLike = false;
                distinct.add(value.asText());
            } else {
                allIso = false;
                epochLike = false;
            }
        }

        boolean isNumeric() {
            return present > 0 && numbers == present;
        }

        boolean isTextual() {
            return present > 0 && strings == present;
        }

        boolean isBoolean() {
            return present > 0 && booleans == present;
        }

        FieldType type() {
            if (role == Role.TIME) {
                return FieldType.TIMESTAMP;
            }
            if (isNumeric()) {
                return integral ? FieldType.INTEGER : FieldType.NUMBER;
            }
            if (isBoolean()) {
                return role == Role.LABEL ? FieldType.STRING : FieldType.BOOLEAN;
            }
            return FieldType.STRING;
        }

        String lastToken() {
            return tokens.get(tokens.size() - 1);
        }

        boolean looksLikeId() {
            String last = lastToken();
            String lower = last.toLowerCase(Locale.ROOT);
            return lower.equals("id") || lower.endsWith("_id") || last.endsWith("Id") || lower.endsWith("number");
        }

        boolean timeName() {
            String lower = lastToken().toLowerCase(Locale.ROOT);
            return TIME_NAMES.contains(lower)
                    || lower.endsWith("_at")
                    || lower.endsWith("time")
                    || lower.endsWith("timestamp")
                    || lower.endsWith("_ts")
                    || lower.endsWith("date");
        }

        /** Why this string leaf is not a good label, or null if it is one. */
        String labelRejection(int maxCardinality, int rows) {
            if (allIso) {
                return "a time, which would make every point its own series";
            }
            if (urlOrId) {
                return "a URL or identifier: too many distinct values for a label";
            }
            if (maxLength == 0) {
                return "always empty";
            }
            if (email) {
                return "an e-mail address: personal data, and too many distinct values for a label";
            }
            if (freeText || maxLength > 64) {
                return "free text: too long for a label";
            }
            if (looksLikeId() || lastToken().toLowerCase(Locale.ROOT).endsWith("url")) {
                return "an identifier: too many distinct values for a label";
            }
            if (distinct.size() > maxCardinality) {
                return distinct.size() + " distinct values: too many for a label";
            }
            if (rows >= 4 && distinct.size() > rows / 2) {
                return distinct.size() + " distinct values in " + rows + " rows: high cardinality";
            }
            return null;
        }

        String candidateName() {
            List<String> parts = tokens.subList(tokens.size() - suffixLength, tokens.size());
            String joined = INVALID_NAME_CHARS.matcher(String.join("_", parts)).replaceAll("_");
            if (joined.isEmpty() || !(Character.isLetter(joined.charAt(0)) || joined.charAt(0) == '_')) {
                joined = "f_" + joined;
            }
            return truncate(joined, 100);
        }
    }

    private static boolean isIso(String s) {
        if (s.length() < 10 || s.length() > 40 || s.charAt(4) != '-') {
            return false;
        }
        try {
            OffsetDateTime.parse(s);
            return true;
        } catch (DateTimeParseException e) {
            try {
                LocalDateTime.parse(s);
                return true;
            } catch (DateTimeParseException e2) {
                return false;
            }
        }
    }
}
