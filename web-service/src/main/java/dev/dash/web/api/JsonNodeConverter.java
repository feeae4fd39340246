package dev.dash.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import io.vertx.core.json.JsonObject;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A {@code jsonb} column holding a JSON object, as a Jackson {@link JsonNode} on an entity. Hibernate Reactive
 * binds and reads JSON columns on the Vert.x PostgreSQL client as Vert.x {@link JsonObject}s (its own JSON type),
 * so this converter goes through it: the form Hibernate Reactive documents and tests for JSON, which needs no
 * JDBC-only user type. Only objects are stored this way (the API checks that every such field is one).
 */
@Converter
public class JsonNodeConverter implements AttributeConverter<JsonNode, JsonObject> {
    @Override
    public JsonObject convertToDatabaseColumn(JsonNode node) {
        return node == null ? null : new JsonObject(node.toString());
    }

    @Override
    public JsonNode convertToEntityAttribute(JsonObject object) {
        if (object == null) {
            return null;
        }
        try {
            return Json.parse(object.encode());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
