package dev.dash.model.api;

/**
 * One input field at fault in a refused request.
 *
 * @param field the field, as the client named it (a JSON Pointer for documents)
 * @param reason what is wrong with it
 */
public record FieldError(String field, String reason) {}
