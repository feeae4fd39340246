package dev.dash.model.mapping;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What mapping one event gave: its points and mapped records, or the errors that send it to quarantine.
 * An event is mapped whole or not at all: when {@link #errors()} is not empty there are no points and no
 * records, so a replay never writes half an event.
 *
 * <p>An event, or an exploded element, rejected by the mapping's filter is not an error: it simply gives
 * nothing, and is counted in {@link #skippedByFilter()}.
 */
public final class MappingResult {
    private static final String[] NO_NAMES = new String[0];

    /** One mapped row: its time, its explode index, and the typed value of every field (null when absent). */
    record Row(Instant time, int index, Object[] values) {}

    private final List<Point> points;
    private final List<Row> rows;
    private final List<MappingError> errors;
    private final String[] fieldNames;
    private final int skippedByFilter;

    MappingResult(List<Point> points, List<Row> rows, List<MappingError> errors, String[] fieldNames, int skipped) {
        this.points = points;
        this.rows = rows;
        this.errors = errors;
        this.fieldNames = fieldNames;
        this.skippedByFilter = skipped;
    }

    static MappingResult failure(MappingError error) {
        return new MappingResult(List.of(), List.of(), List.of(error), NO_NAMES, 0);
    }

    static MappingResult failure(List<MappingError> errors) {
        return new MappingResult(List.of(), List.of(), Collections.unmodifiableList(errors), NO_NAMES, 0);
    }

    /**
     * The points, in row order then metric order; empty when there are errors.
     *
     * @return an immutable list
     */
    public List<Point> points() {
        return points;
    }

    /**
     * Why the event could not be mapped; empty on success.
     *
     * @return an immutable list
     */
    public List<MappingError> errors() {
        return errors;
    }

    /**
     * Whether the event mapped without error (possibly to nothing, if filtered out).
     *
     * @return true if there are no errors
     */
    public boolean ok() {
        return errors.isEmpty();
    }

    /**
     * How many rows the filter rejected: 1 for a filtered-out event, or the number of rejected elements when
     * the mapping explodes.
     *
     * @return the count
     */
    public int skippedByFilter() {
        return skippedByFilter;
    }

    /**
     * The mapped records, one per row, with every field. Built on each call (only pipelines that persist
     * records, and previews, need them), so the hot path does not pay for them.
     *
     * @return new records the caller owns
     */
    public List<MappedRecord> records() {
        List<MappedRecord> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            ObjectNode values = Json.nodes().objectNode();
            Object[] v = row.values();
            for (int i = 0; i < v.length; i++) {
                Object value = v[i];
                if (value instanceof Double d) {
                    values.put(fieldNames[i], d);
                } else if (value instanceof Long l) {
                    values.put(fieldNames[i], l);
                } else if (value instanceof Boolean b) {
                    values.put(fieldNames[i], b);
                } else if (value != null) {
                    values.put(fieldNames[i], value.toString());
                }
            }
            out.add(new MappedRecord(row.time(), row.index(), values));
        }
        return out;
    }

    @Override
    public String toString() {
        return "MappingResult[points=" + points.size() + ", rows=" + rows.size() + ", errors=" + errors
                + ", skippedByFilter=" + skippedByFilter + "]";
    }
}
