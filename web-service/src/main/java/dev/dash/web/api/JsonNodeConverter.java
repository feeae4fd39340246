package dev.dash.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A {@code jsonb} column as a Jackson {@link JsonNode} on an entity, carried as JSON text. The column is mapped
 * with {@link #READ} and {@link #WRITE} ({@code @ColumnTransformer}): Hibernate Reactive then binds and reads a
 * plain text value. A parameter PostgreSQL types as {@code jsonb} would be sent by the Vert.x client as a JSON
 * string value (so {@code CAST(? AS jsonb)} stores {@code "{\"a\":1}"}), and a {@code jsonb} column comes back as
 * a Vert.x {@code JsonObject}, which Hibernate 7 has no JDBC type for here; text in both directions avoids both.
 */
@Converter
public class JsonNodeConverter implements AttributeConverter<JsonNode, String> {
    /** The write expression of a {@code jsonb} column: the text parameter cast to {@code jsonb}. */
    public static final String WRITE = "CAST(CAST(? AS text) AS jsonb)";

    @Override
    public String convertToDatabaseColumn(JsonNode node) {
        return node == null ? null : node.toString();
    }

    @Override
    public JsonNode convertToEntityAttribute(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Json.parse(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
