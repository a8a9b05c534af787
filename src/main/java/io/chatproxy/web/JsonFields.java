package io.chatproxy.web;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Typed access to fields of a request object; unknown fields are ignored, wrong types are a 400.
 */
public final class JsonFields {
    private JsonFields() {
    }

    /** A required string field. */
    public static String requiredText(ObjectNode body, String field) {
        return optionalText(body, field)
                .orElseThrow(() -> ApiException.badRequest("missing_field", "Field '" + field + "' is required"));
    }

    /** An optional string field; null counts as absent. */
    public static Optional<String> optionalText(ObjectNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest("invalid_field", "Field '" + field + "' must be a string");
        }
        return Optional.of(node.textValue());
    }
}
