package dev.dash.model.signature;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Provider handshakes that must be answered instead of ingested. Today only Slack's Events API
 * {@code url_verification}: a JSON body {@code {"type":"url_verification","challenge":"..."}} that expects
 * a 200 echoing the challenge.
 */
public final class Handshake {
    private Handshake() {}

    /**
     * The reply to a handshake request.
     *
     * @param contentType the response content type
     * @param body the response body
     */
    public record Response(String contentType, byte[] body) {}

    /**
     * The reply a request needs instead of being ingested, if it is a handshake.
     *
     * @param preset the pipeline's preset
     * @param body the raw request body
     * @return the reply, or empty if the request is an ordinary event
     */
    public static Optional<Response> respond(Preset preset, byte[] body) {
        if (preset != Preset.SLACK || body == null || body.length == 0 || body.length > 64 * 1024) {
            return Optional.empty();
        }
        try {
            JsonNode json = Json.parse(body);
            JsonNode challenge = json.path("challenge");
            if (!"url_verification".equals(json.path("type").asText(null)) || !challenge.isTextual()) {
                return Optional.empty();
            }
            ObjectNode reply = Json.nodes().objectNode().put("challenge", challenge.textValue());
            return Optional.of(new Response("application/json", reply.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            // Not JSON, so not a handshake: the ordinary path rejects it with its own reason.
            return Optional.empty();
        }
    }
}
