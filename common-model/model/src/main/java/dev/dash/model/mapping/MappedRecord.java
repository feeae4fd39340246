package dev.dash.model.mapping;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * One mapped row with every field of the mapping, for {@code pipeline_records} (table widgets) and for
 * previews.
 *
 * @param time the row's time
 * @param index position in the exploded array, or -1
 * @param values field names to typed values (numbers, strings, booleans, ISO-8601 timestamps); absent
 *     optional fields are omitted. A fresh object the caller owns.
 */
public record MappedRecord(Instant time, int index, ObjectNode values) {}
